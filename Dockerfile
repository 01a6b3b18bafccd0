# syntax=docker/dockerfile:1
# OrgIdentity server image.
#   docker build -t orgidentity .
#   docker run ... orgidentity            starts the server on HTTP port 8080 (put a TLS proxy in front)
#   docker run ... orgidentity migrate    applies the database migrations and exits
# Configuration comes from environment variables (README, "Configuration"). No key material is
# built in: mount it (docker-compose.yml mounts ./certs at /app/certs, read-only).

# --- build -------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The files every project build reads (SDK pin, build switches, central package versions, analyzer
# settings: warnings are errors, so the build needs the same .editorconfig as CI).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
# All of src/ before the restore: simpler than listing project files, and a project reference
# added later (OrgIdentity.Scim) cannot be forgotten here. The restore takes the package versions
# of the committed lock files and fails if they do not match the project files.
COPY src/ src/
RUN dotnet restore --locked-mode src/OrgIdentity.Server
RUN dotnet publish src/OrgIdentity.Server -c Release --no-restore -o /app/publish -p:UseAppHost=false

# --- runtime -----------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# curl is for the HEALTHCHECK only: the aspnet image has neither curl nor wget, and the server
# has no health verb. A few megabytes of packages buy a check anyone can read, and that
# docker-compose inherits as it is.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build /app/publish .
# OrgIdentity:DataDirectory (./data, relative to this working directory) is created at start, so
# it must be writable by the non-root user. With SQL Server or PostgreSQL nothing of value lands
# there (development keys and picked-up e-mails are not used in production).
RUN mkdir data && chown "$APP_UID:$APP_UID" data

# The image's non-root "app" user (uid and gid 1654). Key files mounted into /app/certs must be
# readable by it (certs/README.md).
USER $APP_UID
# ASPNETCORE_HTTP_PORTS=8080 is the image's default: plain HTTP inside the container network,
# TLS ends at the proxy, which must send X-Forwarded-Proto (OrgIdentity:ForwardedHeaders:*).
ENV ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080

# /health/* is exempt from the HTTPS requirement, so the probe may use plain HTTP on loopback.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent --show-error --output /dev/null http://127.0.0.1:8080/health/live || exit 1

ENTRYPOINT ["dotnet", "OrgIdentity.Server.dll"]
