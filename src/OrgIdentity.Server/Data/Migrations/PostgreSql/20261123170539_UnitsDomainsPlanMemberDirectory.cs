using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrgIdentity.Server.Data.Migrations.PostgreSql
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanScim",
                table: "Organizations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanSso",
                table: "Organizations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PlanUnits",
                table: "Organizations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "UnitsLabel",
                table: "Organizations",
                type: "character varying(50)",
                maxLength: 50,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MemberCompany",
                table: "Memberships",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<bool>(
                name: "MemberDisabled",
                table: "Memberships",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "MemberEmail",
                table: "Memberships",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "MemberLastLoginAt",
                table: "Memberships",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "MemberName",
                table: "Memberships",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MemberSearchText",
                table: "Memberships",
                type: "character varying(720)",
                maxLength: 720,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "OrganizationDomains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Domain = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    VerificationToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    VerifiedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    VerifiedBy = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    VerifiedDomain = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    MembershipId = table.Column<Guid>(type: "uuid", nullable: false),
                    UnitId = table.Column<Guid>(type: "uuid", nullable: false),
                    Source = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false)
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
