using System.Reflection;
using System.Runtime.InteropServices;

namespace Petitions.Organisations;

/// <summary>
/// ISO 3166-1 codes and their names in any language, from the ICU library .NET itself uses for
/// globalisation. <see cref="System.Globalization.RegionInfo"/> knows only the regions that have a
/// locale of their own, so it throws for Western Sahara (EH) and a few others; ICU's
/// <c>uloc_getISOCountries</c> lists every code and <c>uloc_getDisplayCountry</c> names each from CLDR.
/// </summary>
/// <remarks>ICU suffixes its symbols with its major version (<c>uloc_getISOCountries_72</c>); the suffix is
/// found the way .NET finds it, by trying the versions a distribution may carry.</remarks>
internal static unsafe class IcuRegions
{
    private static readonly Lazy<Api> Functions = new(Bind);

    /// <summary>Every ISO 3166-1 alpha-2 code ICU knows, in its order.</summary>
    public static IReadOnlyList<string> Codes()
    {
        var list = new List<string>();
        for (var entry = Functions.Value.GetIsoCountries(); *entry != null; entry++)
        {
            list.Add(Marshal.PtrToStringAnsi((nint)(*entry))!);
        }

        return list;
    }

    /// <summary>The name of a region in a language ("Western Sahara", "Sahara occidental"), or null when ICU has none.</summary>
    public static string? Name(string code, string language)
    {
        var buffer = stackalloc char[256];
        var status = 0;
        var length = Functions.Value.GetDisplayCountry("und_" + code, language, buffer, 256, &status);
        // A failure is positive; a "fallback" warning (negative) is fine. With no name of its own ICU echoes the code.
        if (status > 0 || length <= 0)
        {
            return null;
        }

        var name = new string(buffer, 0, length);
        return name == code ? null : name;
    }

    private static Api Bind()
    {
        var library = Load();
        for (var version = 90; version >= 50; version--)
        {
            if (NativeLibrary.TryGetExport(library, $"uloc_getISOCountries_{version}", out var countries)
                && NativeLibrary.TryGetExport(library, $"uloc_getDisplayCountry_{version}", out var display))
            {
                return new Api(countries, display);
            }
        }

        if (NativeLibrary.TryGetExport(library, "uloc_getISOCountries", out var plain)
            && NativeLibrary.TryGetExport(library, "uloc_getDisplayCountry", out var plainDisplay))
        {
            return new Api(plain, plainDisplay);
        }

        throw new InvalidOperationException("ICU's uloc_getISOCountries was not found; the service needs ICU (libicu) for country names.");
    }

    private static nint Load()
    {
        var names = new List<string> { "libicuuc.so" };
        for (var version = 90; version >= 50; version--)
        {
            names.Add($"libicuuc.so.{version}");
        }

        names.Add("libicuuc.dylib");
        names.Add("icuuc.dll");
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, Assembly.GetExecutingAssembly(), null, out var handle))
            {
                return handle;
            }
        }

        throw new InvalidOperationException("ICU (libicuuc) could not be loaded; install libicu.");
    }

    private sealed class Api(nint isoCountries, nint displayCountry)
    {
        private readonly delegate* unmanaged<byte**> isoCountries = (delegate* unmanaged<byte**>)isoCountries;
        private readonly delegate* unmanaged<byte*, byte*, char*, int, int*, int> displayCountry =
            (delegate* unmanaged<byte*, byte*, char*, int, int*, int>)displayCountry;

        public byte** GetIsoCountries() => isoCountries();

        public int GetDisplayCountry(string locale, string displayLocale, char* buffer, int capacity, int* status)
        {
            var localeBytes = System.Text.Encoding.ASCII.GetBytes(locale + "\0");
            var displayBytes = System.Text.Encoding.ASCII.GetBytes(displayLocale + "\0");
            fixed (byte* l = localeBytes)
            fixed (byte* d = displayBytes)
            {
                return displayCountry(l, d, buffer, capacity, status);
            }
        }
    }
}
