using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrgIdentity.Server.Data.Migrations.Sqlite
{
    /// <summary>
    /// SQLite only: a trigram full-text index over Memberships.MemberSearchText, so the member list's search (a
    /// substring match) reads the matching rows from an index instead of scanning every membership (PostgreSQL has
    /// its pg_trgm GIN index for the same job). FTS5 with the trigram tokenizer serves LIKE '%term%' for terms of three
    /// characters or more. Its rowids come from MemberSearchRows, whose INTEGER PRIMARY KEY survives VACUUM (the
    /// implicit rowid of Memberships, keyed by a Guid, would not). Triggers keep both equal to Memberships.
    /// </summary>
    public partial class MemberSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE "MemberSearchRows" ("RowId" INTEGER PRIMARY KEY, "MembershipId" TEXT NOT NULL UNIQUE);
                """);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "MemberSearch" USING fts5("MembershipId" UNINDEXED, "Text", tokenize = 'trigram');
                """);
            migrationBuilder.Sql("""
                INSERT INTO "MemberSearchRows" ("MembershipId") SELECT "Id" FROM "Memberships";
                """);
            migrationBuilder.Sql("""
                INSERT INTO "MemberSearch" (rowid, "MembershipId", "Text")
                SELECT r."RowId", m."Id", m."MemberSearchText" FROM "Memberships" m JOIN "MemberSearchRows" r ON r."MembershipId" = m."Id";
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Memberships_Search_Insert" AFTER INSERT ON "Memberships" BEGIN
                    INSERT INTO "MemberSearchRows" ("MembershipId") VALUES (new."Id");
                    INSERT INTO "MemberSearch" (rowid, "MembershipId", "Text") VALUES (last_insert_rowid(), new."Id", new."MemberSearchText");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Memberships_Search_Update" AFTER UPDATE OF "MemberSearchText" ON "Memberships"
                WHEN new."MemberSearchText" IS NOT old."MemberSearchText" BEGIN
                    UPDATE "MemberSearch" SET "Text" = new."MemberSearchText"
                    WHERE rowid = (SELECT "RowId" FROM "MemberSearchRows" WHERE "MembershipId" = old."Id");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Memberships_Search_Delete" AFTER DELETE ON "Memberships" BEGIN
                    DELETE FROM "MemberSearch" WHERE rowid = (SELECT "RowId" FROM "MemberSearchRows" WHERE "MembershipId" = old."Id");
                    DELETE FROM "MemberSearchRows" WHERE "MembershipId" = old."Id";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "Memberships_Search_Delete";""");
            migrationBuilder.Sql("""DROP TRIGGER "Memberships_Search_Update";""");
            migrationBuilder.Sql("""DROP TRIGGER "Memberships_Search_Insert";""");
            migrationBuilder.Sql("""DROP TABLE "MemberSearch";""");
            migrationBuilder.Sql("""DROP TABLE "MemberSearchRows";""");
        }
    }
}
