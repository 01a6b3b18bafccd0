using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrgIdentity.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UnitsDomainsPlanMemberDirectory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "PlanInvitations",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanScim",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanSso",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanUnits",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "UnitsLabel",
                table: "Organizations",
                type: "TEXT",
                maxLength: 50,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MemberCompany",
                table: "Memberships",
                type: "TEXT",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<bool>(
                name: "MemberDisabled",
                table: "Memberships",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "MemberEmail",
                table: "Memberships",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "MemberLastLoginAt",
                table: "Memberships",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "MemberName",
                table: "Memberships",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MemberSearchText",
                table: "Memberships",
                type: "TEXT",
                maxLength: 720,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "OrganizationDomains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Domain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    VerificationToken = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    VerifiedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    VerifiedBy = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    VerifiedDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationDomains", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OrganizationDomains_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Units",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Units", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Units_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MembershipUnits",
                columns: table => new
                {
                    MembershipId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UnitId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MembershipUnits", x => new { x.MembershipId, x.UnitId });
                    table.ForeignKey(
                        name: "FK_MembershipUnits_Memberships_MembershipId",
                        column: x => x.MembershipId,
                        principalTable: "Memberships",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_MembershipUnits_Units_UnitId",
                        column: x => x.UnitId,
                        principalTable: "Units",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Company",
                table: "Memberships",
                columns: new[] { "OrganizationId", "MemberCompany", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Email",
                table: "Memberships",
                columns: new[] { "OrganizationId", "MemberEmail", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Joined",
                table: "Memberships",
                columns: new[] { "OrganizationId", "JoinedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_LastLogin",
                table: "Memberships",
                columns: new[] { "OrganizationId", "MemberLastLoginAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Name",
                table: "Memberships",
                columns: new[] { "OrganizationId", "MemberName", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Org_Role",
                table: "Memberships",
                columns: new[] { "OrganizationId", "BaseRole", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_MembershipUnits_UnitId",
                table: "MembershipUnits",
                column: "UnitId");

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationDomains_OrganizationId_Domain",
                table: "OrganizationDomains",
                columns: new[] { "OrganizationId", "Domain" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationDomains_VerifiedDomain",
                table: "OrganizationDomains",
                column: "VerifiedDomain",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Units_OrganizationId_Name",
                table: "Units",
                columns: new[] { "OrganizationId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MembershipUnits");

            migrationBuilder.DropTable(
                name: "OrganizationDomains");

            migrationBuilder.DropTable(
                name: "Units");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Company",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Email",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Joined",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_LastLogin",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Name",
                table: "Memberships");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_Org_Role",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "PlanInvitations",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "PlanScim",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "PlanSso",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "PlanUnits",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "UnitsLabel",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "MemberCompany",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "MemberDisabled",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "MemberEmail",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "MemberLastLoginAt",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "MemberName",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "MemberSearchText",
                table: "Memberships");
        }
    }
}
