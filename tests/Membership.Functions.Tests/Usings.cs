global using Microsoft.AspNetCore.Hosting;
