using System.Buffers.Text;
using System.Security.Cryptography;

namespace Petitions.Web;

/// <summary>
/// The secrets we hand out in links, cookies and API headers (email links, preview links, unsubscribe
/// links, sessions, API tokens): 32 random bytes, base64url in the open, only their SHA-256 stored.
/// </summary>
public static class SecretTokens
{
    /// <summary>The length of a token as handed out: 32 bytes in base64url without padding.</summary>
    public const int Length = 43;

    /// <returns>The token to hand out, and the hash to store.</returns>
    public static (string Token, byte[] Hash) New()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        return (Base64Url.EncodeToString(bytes), SHA256.HashData(bytes));
    }

    /// <returns>The SHA-256 of a well-formed token; null for anything else, so that no query is made for it.</returns>
    public static byte[]? HashOf(string? token)
    {
        if (token is not { Length: Length } || !Base64Url.IsValid(token))
        {
            return null;
        }

        var bytes = new byte[32];
        return Base64Url.TryDecodeFromChars(token, bytes, out var written) && written == 32 ? SHA256.HashData(bytes) : null;
    }
}
