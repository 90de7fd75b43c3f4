# syntax=docker/dockerfile:1
# Stage 1: build the shaded jar with Maven on JDK 25 (the JDK the test suite runs on; the code targets Java 21).
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src ./src
RUN mvn -q -B -DskipTests package

# Stage 2: the Eclipse Temurin 25 JRE, running as a non-root user.
FROM eclipse-temurin:25-jre
# The HTTP port: the service (HTTP_PORT overrides http.port), EXPOSE and the health check all follow it.
# `--build-arg HTTP_PORT=9000` changes all three; `docker run -e HTTP_PORT=9000` changes the service and the check.
ARG HTTP_PORT=8080
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
  && groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app \
  && mkdir -p /app/data && chown app:app /app/data
WORKDIR /app
COPY --from=build /src/target/message-orchestrator.jar ./message-orchestrator.jar
COPY conf ./conf
USER app
# The journal (journal.path = data/orchestrator.db, relative to /app): accepted messages live here, so keep it on a
# volume that outlives the container. Writable by the non-root user (created and chowned above).
VOLUME /app/data
ENV HTTP_PORT=${HTTP_PORT}
EXPOSE ${HTTP_PORT}
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:MaxGCPauseMillis=50"
# Shell form: the shell expands HTTP_PORT when the check runs, so it follows `docker run -e HTTP_PORT=...`.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/health/live" || exit 1
# `exec` makes java PID 1, so it receives SIGTERM and drains; "$@" passes the `docker run` arguments (CMD by default),
# e.g. `docker run ... message-orchestrator -conf /config/prod.json`. JAVA_OPTS is split into options on purpose.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/message-orchestrator.jar \"$@\"", "message-orchestrator"]
CMD ["-conf", "/app/conf/config.json"]
