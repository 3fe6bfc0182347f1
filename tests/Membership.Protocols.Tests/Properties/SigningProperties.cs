using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Membership.Protocols.Tests.Properties;

public class SigningProperties
{
    private static readonly SigningKey Key = TestKeys.Spec;

    [Property(MaxTest = 200)]
    public Property SignedObjectsVerify() => Prop.ForAll(JsonGenerators.SignableObjects.ToArbitrary(), obj =>
    {
        JsonSigning.Sign(obj, "domain", Key);
        return JsonSigning.Verify(obj, "domain", "ed25519:1", Key.PublicKey) == SignatureCheck.Valid
            && JsonSigning.Verify(JsonNode.Parse(obj.ToJsonString())!.AsObject(), "domain", "ed25519:1", Key.PublicKey) == SignatureCheck.Valid;
    });

    [Property(MaxTest = 200)]
    public Property AnyChangeToASignedFieldBreaksTheSignature() => Prop.ForAll(
        (from obj in JsonGenerators.SignableObjects
         from site in Gen.Choose(0, int.MaxValue)
         from kind in Gen.Choose(0, 2)
         select (obj, site, kind)).ToArbitrary(),
        input =>
        {
            var (obj, site, kind) = input;
            JsonSigning.Sign(obj, "domain", Key);
            var description = Mutate(obj, site, kind);
            return (JsonSigning.Verify(obj, "domain", "ed25519:1", Key.PublicKey) == SignatureCheck.Invalid).Label(description);
        });

    [Property(MaxTest = 200)]
    public Property ChangesToUnsignedKeepTheSignature() => Prop.ForAll(
        Gen.Zip(JsonGenerators.SignableObjects, JsonGenerators.Nodes).ToArbitrary(),
        input =>
        {
            var (obj, unsigned) = input;
            JsonSigning.Sign(obj, "domain", Key);
            obj["unsigned"] = unsigned;
            return JsonSigning.Verify(obj, "domain", "ed25519:1", Key.PublicKey) == SignatureCheck.Valid;
        });

    [Property(MaxTest = 100)]
    public Property SignedEventsVerifyAndKeepTheirIdWhenCoSigned() => Prop.ForAll(
        (from content in JsonGenerators.Objects
         from version in Gen.Choose(1, 11)
         from type in Gen.Elements("m.room.member", "m.room.create", "m.room.power_levels", "m.room.message")
         select (content, version, type)).ToArbitrary(),
        input =>
        {
            var (content, version, type) = input;
            var roomVersion = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var ev = new JsonObject
            {
                ["type"] = type,
                ["room_id"] = "!r:domain",
                ["sender"] = "@a:domain",
                ["state_key"] = "@b:remote.example",
                ["event_id"] = "$x:domain",
                ["origin_server_ts"] = 1_000_000,
                ["depth"] = 3,
                ["content"] = content,
            };

            EventSigning.Sign(ev, roomVersion, "domain", Key);
            var id = EventSigning.ComputeEventId(ev, roomVersion);
            EventSigning.AddSignature(ev, roomVersion, "remote.example", TestKeys.Invitee);

            return EventSigning.Verify(ev, roomVersion, "domain", "ed25519:1", Key.PublicKey) == EventCheck.Valid
                && EventSigning.Verify(ev, roomVersion, "remote.example", "ed25519:1", TestKeys.Invitee.PublicKey) == EventCheck.Valid
                && EventSigning.ComputeEventId(ev, roomVersion) == id;
        });

    /// <summary>
    /// Changes one place in the signed part of the object so that its canonical JSON must differ: adds a fresh key to
    /// an object, appends to an array, or wraps a value in an array. Returns what it did.
    /// </summary>
    private static string Mutate(JsonObject root, int site, int kind)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers, top: true);
        var target = containers[site % containers.Count];
        switch (target)
        {
            case JsonObject obj when kind == 0 || obj.Count == 0 || (ReferenceEquals(obj, root) && SignedKeys(obj).Count == 0):
                var key = "mutated";
                while (obj.ContainsKey(key))
                {
                    key += "'";
                }

                obj[key] = null;
                return $"added {key} to {obj.GetPath()}";
            case JsonObject obj:
                var keys = ReferenceEquals(obj, root) ? SignedKeys(obj) : [.. obj.Select(m => m.Key)];
                var chosen = keys[site % keys.Count];
                var value = obj[chosen];
                obj[chosen] = new JsonArray(value?.DeepClone());
                return $"wrapped {obj.GetPath()}.{chosen}";
            case JsonArray array when kind == 0 || array.Count == 0:
                array.Add(null);
                return $"appended to {array.GetPath()}";
            case JsonArray array:
                var index = site % array.Count;
                array[index] = new JsonArray(array[index]?.DeepClone());
                return $"wrapped {array.GetPath()}[{index}]";
            default:
                throw new InvalidOperationException("only containers are collected");
        }
    }

    private static List<string> SignedKeys(JsonObject root) =>
        [.. root.Select(m => m.Key).Where(k => k is not ("signatures" or "unsigned"))];

    private static void Collect(JsonNode? node, List<JsonNode> containers, bool top)
    {
        switch (node)
        {
            case JsonObject obj:
                containers.Add(obj);
                foreach (var (key, value) in obj)
                {
                    if (!top || key is not ("signatures" or "unsigned"))
                    {
                        Collect(value, containers, top: false);
                    }
                }

                break;
            case JsonArray array:
                containers.Add(array);
                foreach (var item in array)
                {
                    Collect(item, containers, top: false);
                }

                break;
        }
    }
}
