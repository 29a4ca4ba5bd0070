using System.Globalization;
using System.Text;
using Deque.AxeCore.Commons;

namespace Petitions.BrowserTests.Support;

/// <summary>axe findings as a person reads them in a test's output: rule, impact, help, and each node with its checks.</summary>
public static class AxeReport
{
    public static bool IsSevere(AxeResultItem violation) => violation.Impact is "serious" or "critical";

    public static string Describe(string where, IEnumerable<AxeResultItem> violations)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"axe violations on {where}:");
        foreach (var violation in violations)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {violation.Id} ({violation.Impact}): {violation.Help} <{violation.HelpUrl}>");
            foreach (var node in violation.Nodes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {node.Target}: {node.Html}");
                var checks = (node.Any ?? []).Concat(node.All ?? []).Concat(node.None ?? []);
                foreach (var check in checks)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"      {check.Id}: {check.Message}");
                }
            }
        }

        return text.ToString();
    }
}
