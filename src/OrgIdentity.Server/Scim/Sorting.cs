using System.Linq.Expressions;

namespace OrgIdentity.Server.Scim;

/// <summary><c>sortBy</c> arrives as a member expression of the attribute map; Queryable needs its key type spelled out.</summary>
internal static class Sorting
{
    public static IOrderedQueryable<T> OrderBy<T>(IQueryable<T> query, LambdaExpression key, bool descending) =>
        (IOrderedQueryable<T>)query.Provider.CreateQuery<T>(Expression.Call(typeof(Queryable), descending ? nameof(Queryable.OrderByDescending) : nameof(Queryable.OrderBy),
            [typeof(T), key.ReturnType], query.Expression, Expression.Quote(key)));

    /// <summary>Equal sort values page in user-id order, so no page repeats or skips a row.</summary>
    public static IOrderedQueryable<ScimProfile> ThenById(IOrderedQueryable<ScimProfile> query) => query.ThenBy(p => p.UserId);
}
