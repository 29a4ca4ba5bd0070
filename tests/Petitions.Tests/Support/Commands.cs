using System.Diagnostics;

namespace Petitions.Tests.Support;

/// <summary>Runs a command of the machine (mount, chattr) for the tests that change the disk under the program.</summary>
public static class Commands
{
    /// <returns>The command's exit code, or -1 when it is not installed.</returns>
    public static async Task<int> RunAsync(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
