namespace OrgIdentity.Scim;

/// <summary>Schema URNs and media types of SCIM 2.0 (RFC 7643 §8.7, RFC 7644 §3.1 and §8.1).</summary>
public static class ScimConstants
{
    /// <summary>The SCIM media type, used on every response.</summary>
    public const string MediaType = "application/scim+json";

    /// <summary>The core User schema.</summary>
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";

    /// <summary>The enterprise User extension.</summary>
    public const string EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>The core Group schema.</summary>
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";

    /// <summary>The list response message.</summary>
    public const string ListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

    /// <summary>The PATCH request message.</summary>
    public const string PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    /// <summary>The search request message (<c>POST /.search</c>).</summary>
    public const string SearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

    /// <summary>The error message.</summary>
    public const string ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";

    /// <summary>The service provider configuration schema.</summary>
    public const string ServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

    /// <summary>The resource type schema.</summary>
    public const string ResourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

    /// <summary>The schema of schema definitions.</summary>
    public const string SchemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema";
}
