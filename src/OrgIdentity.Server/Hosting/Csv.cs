using System.Globalization;
using System.Text;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// RFC 4180 CSV written straight to the response as rows arrive, so an export of 100,000 rows starts at once and
/// holds one row in memory. Cells that a spreadsheet would run as a formula are made text (OWASP "CSV injection").
/// </summary>
public sealed class CsvWriter(Stream body) : IAsyncDisposable
{
    private const int FlushEveryRows = 500;
    private readonly StreamWriter _writer = new(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
    private int _rows;

    public async Task WriteRowAsync(IEnumerable<string?> cells, CancellationToken cancellationToken)
    {
        // Every write is asynchronous: a synchronous StreamWriter.Write flushes synchronously when its buffer fills
        // (about 500 rows of 130 characters), and Kestrel refuses synchronous writes to the response.
        await _writer.WriteAsync(string.Join(',', cells.Select(Escape)).AsMemory(), cancellationToken);
        await _writer.WriteAsync("\r\n".AsMemory(), cancellationToken);
        if (++_rows % FlushEveryRows == 0)
        {
            await _writer.FlushAsync(cancellationToken);
        }
    }

    public static string Escape(string? cell)
    {
        if (string.IsNullOrEmpty(cell))
        {
            return "";
        }

        // A leading =, +, - or @ (or a tab or carriage return, which some spreadsheets skip) starts a formula: prefix a quote.
        if (cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            cell = "'" + cell;
        }

        return cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }

    public static string Time(DateTime? value) =>
        value is { } time && time != DateTime.MinValue ? DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "";

    public async ValueTask DisposeAsync() => await _writer.DisposeAsync();
}
