using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// The secrets in invitation and invite-link URLs: 256 random bits, base64url; only their SHA-256 is stored.
/// A lookup finds the row by hash (an index seek); <see cref="Matches"/> then compares in constant time, so the
/// comparison itself says nothing about how much of a guessed token was right.
/// </summary>
public static class InvitationTokens
{
    public static (string Token, string Hash) New()
    {
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool Matches(string token, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(storedHash));

    /// <summary>Whether the text could be a token at all (so garbage is answered without a query).</summary>
    public static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
