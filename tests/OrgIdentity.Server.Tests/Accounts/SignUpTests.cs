using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

public abstract class SignUpTests(OrgIdentityApp app) : ServerTests(app)
{
    private static string NewEmail() => $"signup-{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task The_sign_up_form_asks_for_a_name_an_email_and_a_password_and_never_a_user_name()
    {
        using var browser = App.CreateBrowser();

        var page = await browser.GetAsync("/Account/SignUp");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var fields = AccountPages.FormFieldNames(await page.HtmlAsync()).Where(f => f.StartsWith("Input.", StringComparison.Ordinal));
        Assert.Equal(["Input.Name", "Input.Email", "Input.Password"], fields);
    }

    [Fact]
    public async Task Signing_up_sends_a_confirmation_email_and_signing_in_before_confirming_is_refused_with_a_new_link()
    {
        var email = NewEmail();
        using var browser = App.CreateBrowser();

        var submitted = await browser.SignUpAsync("Mary Somerville", email, Users.Password);

        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);
        Assert.Equal("/Account/CheckEmail", submitted.Headers.Location!.OriginalString);
        var confirmation = await App.Mail.WaitForAsync(email, "Confirm your e-mail");
        Assert.Contains("Mary Somerville", confirmation.Body, StringComparison.Ordinal);
        Assert.StartsWith("/Account/ConfirmEmail?userId=", confirmation.Link("/Account/ConfirmEmail"), StringComparison.Ordinal);

        var refused = await browser.SignInAsync(email, Users.Password);

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Confirm your e-mail address first", await refused.HtmlAsync(), StringComparison.Ordinal);
        await App.Mail.WaitForAsync(email, "Confirm your e-mail", count: 2);
    }

    [Fact]
    public async Task After_confirming_the_user_signs_in_and_the_home_page_shows_their_name()
    {
        var email = NewEmail();
        using var browser = App.CreateBrowser();
        await browser.SignUpAsync("Mary Somerville", email, Users.Password);
        await browser.SignInAsync(email, Users.Password);
        // The link of the message the refused sign-in sent works as well as the first one.
        var resent = await App.Mail.WaitForAsync(email, "Confirm your e-mail", count: 2);

        var confirmed = await browser.ConfirmEmailAsync(resent.Link("/Account/ConfirmEmail"));
        var signedIn = await browser.SignInAsync(email, Users.Password);

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("E-mail confirmed", await confirmed.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var home = await browser.FollowAsync(signedIn);
        Assert.Contains("You are signed in as <strong>Mary Somerville</strong>", await home.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_up_with_an_existing_email_looks_the_same_and_mails_the_owner_instead_of_making_a_second_account()
    {
        var owner = await App.SignUpAsync("Mary Somerville");
        using var stranger = App.CreateBrowser();
        using var newcomer = App.CreateBrowser();
        var fresh = await newcomer.SignUpAsync("Someone New", NewEmail(), Users.Password);

        var again = await stranger.SignUpAsync("Mallory", owner.Email, "another-password-2");

        // The same answer as for a new address: nobody learns that the address has an account.
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(fresh.Headers.Location, again.Headers.Location);
        var note = await App.Mail.WaitForAsync(owner.Email, "You already have an account");
        Assert.Contains("/Account/ForgotPassword", note.Body, StringComparison.Ordinal);
        Assert.Single(App.Mail.For(owner.Email, "Confirm your e-mail"));
        // The account is the owner's, unchanged.
        Assert.False(await App.CanSignInAsync(owner.Email, "another-password-2"));
        using var browser = await App.SignedInBrowserAsync(owner);
        var home = await browser.OpenAsync("/");
        Assert.Contains("You are signed in as <strong>Mary Somerville</strong>", await home.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_too_short_password_shows_a_validation_error_and_creates_no_account()
    {
        var email = NewEmail();
        using var browser = App.CreateBrowser();

        var refused = await browser.SignUpAsync("Mary Somerville", email, "short");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("at least 8 characters", await refused.HtmlAsync(), StringComparison.Ordinal);
        // Nothing was made: signing up with the same address now is a first sign-up, not an existing account.
        var retried = await browser.SignUpAsync("Mary Somerville", email, Users.Password);
        Assert.Equal(HttpStatusCode.Redirect, retried.StatusCode);
        await App.Mail.WaitForAsync(email, "Confirm your e-mail");
        await App.AllMailDeliveredAsync();
        Assert.Single(App.Mail.For(email, ""));
    }

    [Fact]
    public async Task Only_opening_the_confirmation_link_confirms_nothing()
    {
        // Mail scanners fetch every link in a message; confirming takes a press of the button.
        var email = NewEmail();
        using var browser = App.CreateBrowser();
        await browser.SignUpAsync("Mary Somerville", email, Users.Password);
        var link = (await App.Mail.WaitForAsync(email, "Confirm your e-mail")).Link("/Account/ConfirmEmail");

        var opened = await browser.GetAsync(link);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Contains("Confirm my address", await opened.HtmlAsync(), StringComparison.Ordinal);
        var refused = await browser.SignInAsync(email, Users.Password);
        Assert.Contains("Confirm your e-mail address first", await refused.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_used_confirmation_link_answers_400()
    {
        var email = NewEmail();
        using var browser = App.CreateBrowser();
        await browser.SignUpAsync("Mary Somerville", email, Users.Password);
        var link = (await App.Mail.WaitForAsync(email, "Confirm your e-mail")).Link("/Account/ConfirmEmail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(link)).StatusCode);

        var reused = await browser.ConfirmEmailAsync(link);

        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Contains("This link does not work", await reused.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbled_confirmation_link_answers_400_and_confirms_nothing()
    {
        var email = NewEmail();
        using var browser = App.CreateBrowser();
        await browser.SignUpAsync("Mary Somerville", email, Users.Password);
        var link = (await App.Mail.WaitForAsync(email, "Confirm your e-mail")).Link("/Account/ConfirmEmail");
        var userId = link.Split("userId=")[1].Split('&')[0];

        var garbled = await browser.ConfirmEmailAsync(link.Replace("code=", "code=garbled", StringComparison.Ordinal));
        var otherUser = await browser.ConfirmEmailAsync(link.Replace(userId, Guid.NewGuid().ToString(), StringComparison.Ordinal));
        var noCode = await browser.GetAsync($"/Account/ConfirmEmail?userId={userId}");

        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        Assert.Contains("This link does not work", await garbled.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherUser.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noCode.StatusCode);
        var refused = await browser.SignInAsync(email, Users.Password);
        Assert.Contains("Confirm your e-mail address first", await refused.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_weak_password_gets_the_same_answer_whether_or_not_the_address_has_an_account()
    {
        var taken = await App.SignUpAsync();
        using var browser = App.CreateBrowser();

        var forTaken = await browser.SignUpAsync("Someone", taken.Email, "short");
        var forFree = await browser.SignUpAsync("Someone", NewEmail(), "short");

        Assert.Equal(HttpStatusCode.OK, forTaken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, forFree.StatusCode);
        Assert.Contains("at least 8 characters", await forTaken.HtmlAsync(), StringComparison.Ordinal);
        Assert.Contains("at least 8 characters", await forFree.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_with_spaces_around_it_is_the_same_address()
    {
        var taken = await App.SignUpAsync();
        using var browser = App.CreateBrowser();

        var response = await browser.SignUpAsync("Someone", $"  {taken.Email} ", Users.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/CheckEmail", AccountPages.RedirectPath(response));
        await App.Mail.WaitForAsync(taken.Email, "already have an account");
    }

    [Fact]
    public async Task An_address_with_an_apostrophe_can_sign_up()
    {
        var email = $"o'neil-{Guid.NewGuid():N}@example.com";
        using var browser = App.CreateBrowser();

        var response = await browser.SignUpAsync("Shaquille O'Neil", email, Users.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await App.Mail.WaitForAsync(email, "Confirm your e-mail");
    }
}

public sealed class SignUpTestsOnSqlite(SqliteApp app) : SignUpTests(app), IClassFixture<SqliteApp>;

public sealed class SignUpTestsOnPostgreSql(PostgreSqlApp app) : SignUpTests(app), IClassFixture<PostgreSqlApp>;
