using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrgIdentity.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class MemberListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Id",
                table: "Memberships",
                columns: new[] { "OrganizationId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Status_Disabled",
                table: "Memberships",
                columns: new[] { "OrganizationId", "Status", "MemberDisabled" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_SearchText_Trgm",
                table: "Memberships",
                column: "MemberSearchText")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Id",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Status_Disabled",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_SearchText_Trgm",
                table: "Memberships");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
