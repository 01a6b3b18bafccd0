using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrgIdentity.Server.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class MemberListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Id",
                table: "Memberships",
                columns: new[] { "OrganizationId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Status_Disabled",
                table: "Memberships",
                columns: new[] { "OrganizationId", "Status", "MemberDisabled" });
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
        }
    }
}
