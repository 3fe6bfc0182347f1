namespace Membership.Testing;

/// <summary>Locations in the checkout, found from the test binary's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string NodeBin(string tool) => Path.Combine(Root, "node_modules", ".bin", tool);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Membership.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Membership.sln) above " + AppContext.BaseDirectory);
    }
}
