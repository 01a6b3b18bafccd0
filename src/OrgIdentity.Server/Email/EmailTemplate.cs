using System.Net;
using System.Text;

namespace OrgIdentity.Server.Email;

/// <summary>
/// The one layout of OrgIdentity's e-mails, in plain text and HTML from the same parts: a greeting, paragraphs, an
/// optional button (a link built from the public issuer URL by the caller) and a closing line. Every value is
/// HTML-encoded in the HTML part, so a name or an organization name cannot inject markup.
/// </summary>
public sealed record EmailTemplate(string Subject, string Greeting, IReadOnlyList<string> Paragraphs, EmailAction? Action = null, string? Closing = null)
{
    public EmailMessage To(string address, string? bcc = null) => new(address, Subject, Text(), bcc, Html());

    private string Text()
    {
        var text = new StringBuilder().Append(Greeting).Append("\n\n");
        foreach (var paragraph in Paragraphs)
        {
            text.Append(paragraph).Append("\n\n");
        }

        if (Action is { } action)
        {
            text.Append(action.Label).Append(":\n").Append(action.Url).Append("\n\n");
        }

        if (Closing is not null)
        {
            text.Append(Closing).Append('\n');
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private string Html()
    {
        static string E(string value) => WebUtility.HtmlEncode(value);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(E(Subject)).Append("</title></head>\n")
            .Append("<body style=\"font-family: -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #1f2328; line-height: 1.5;\">\n")
            .Append("<p>").Append(E(Greeting)).Append("</p>\n");
        foreach (var paragraph in Paragraphs)
        {
            html.Append("<p>").Append(E(paragraph)).Append("</p>\n");
        }

        if (Action is { } action)
        {
            html.Append("<p><a href=\"").Append(E(action.Url))
                .Append("\" style=\"display: inline-block; padding: 10px 18px; background: #0b5cad; color: #ffffff; text-decoration: none; border-radius: 4px;\">")
                .Append(E(action.Label)).Append("</a></p>\n")
                .Append("<p style=\"font-size: 12px; color: #59636e;\">").Append(E(action.Url)).Append("</p>\n");
        }

        if (Closing is not null)
        {
            html.Append("<p style=\"font-size: 12px; color: #59636e;\">").Append(E(Closing)).Append("</p>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }
}

/// <summary>The e-mail's button: what it says and where it goes.</summary>
public sealed record EmailAction(string Label, string Url);
