namespace OrgIdentity.Scim.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Error_types_have_their_wire_names() =>
        Assert.Equal("invalidVers", ScimErrorType.InvalidVersion.ToWireName());
}
