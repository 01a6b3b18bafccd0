using Microsoft.Extensions.Options;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Accounts;

/// <summary>The account e-mails' wording and links, in one place.</summary>
public sealed class AccountEmails(IOptions<OrgIdentityOptions> options)
{
    /// <summary>The confirmation link; <paramref name="returnUrl"/> (a local path) is where signing in afterwards leads, such as the join page of an invite link.</summary>
    public EmailMessage Confirmation(User user, string code, string? returnUrl = null) => new(
        user.Email!,
        "Confirm your e-mail address",
        $"""
        Hello {user.DisplayName},

        Confirm your e-mail address to finish creating your OrgIdentity account:

        {options.Value.Link($"Account/ConfirmEmail?userId={user.Id}&code={Uri.EscapeDataString(code)}{(returnUrl is null ? "" : "&returnUrl=" + Uri.EscapeDataString(returnUrl))}")}

        If you did not sign up, ignore this message.
        """);

    public EmailMessage AlreadyRegistered(User user) => new(
        user.Email!,
        "You already have an account",
        $"""
        Hello {user.DisplayName},

        Someone tried to sign up with this e-mail address, which already has an account.
        Sign in at {options.Value.Link("Account/Login")}
        or choose a new password at {options.Value.Link("Account/ForgotPassword")}.

        If it was not you, ignore this message.
        """);

    /// <summary>The page where <paramref name="user"/> chooses a password with a reset <paramref name="code"/> (which also confirms the address).</summary>
    public string ResetLink(User user, string code) => options.Value.Link($"Account/ResetPassword?userId={user.Id}&code={Uri.EscapeDataString(code)}");

    public EmailMessage PasswordReset(User user, string code) => new(
        user.Email!,
        "Reset your password",
        $"""
        Hello {user.DisplayName},

        Choose a new password here (the link works once and expires within a day):

        {ResetLink(user, code)}

        If you did not ask for this, ignore this message; your password stays as it is.
        """);
}
