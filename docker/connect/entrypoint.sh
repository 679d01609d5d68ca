#!/bin/sh
# The Connect worker in the foreground, with the JMX exporter agent (Debezium's and Connect's MBeans on :9404).
set -euf  # no globbing: the class path is a literal "libs/*"
WALLET_PG_PASSWORD="${WALLET_PG_PASSWORD:-$(cat "$WALLET_PG_PASSWORD_FILE")}"
export WALLET_PG_PASSWORD
agent=$(find /opt/connect/agents -name 'jmx_prometheus_javaagent-*.jar' | head -n 1)
exec java "-Xmx$CONNECT_HEAP" -Xms64m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile=/etc/connect/log4j2.properties \
    "-javaagent:$agent=9404:/etc/connect/connect-jmx-exporter.yml" \
    -cp '/opt/kafka/libs/*' org.apache.kafka.connect.cli.ConnectDistributed /etc/connect/worker.properties
