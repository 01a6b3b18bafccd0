namespace OrgIdentity.Server.Hosting;

internal static class Clock
{
    /// <summary>Now in UTC, to the microsecond PostgreSQL keeps, so what an answer says is what a later read says.</summary>
    public static DateTime UtcNowToMicrosecond(this TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
