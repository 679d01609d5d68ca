#!/bin/sh
# Kafka in the foreground: storage formatted once (meta.properties marks it), then the broker with the image's
# properties plus this run's listeners.
set -euf  # no globbing: the class path is a literal "libs/*"
java="java -Xms64m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true"
java="$java -Dlog4j2.configurationFile=/etc/kafka/log4j2.properties -cp /opt/kafka/libs/*"
conf=/var/lib/kafka/server.properties
cp /etc/kafka/server.properties "$conf"
cat >> "$conf" <<PROPERTIES
listeners=$KAFKA_LISTENERS
advertised.listeners=$KAFKA_ADVERTISED_LISTENERS
listener.security.protocol.map=$KAFKA_LISTENER_SECURITY_PROTOCOL_MAP
controller.quorum.voters=$KAFKA_CONTROLLER_QUORUM_VOTERS
PROPERTIES
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
    cluster_id=$($java -Xmx128m kafka.tools.StorageTool random-uuid)
    $java -Xmx256m kafka.tools.StorageTool format -t "$cluster_id" -c "$conf" >/dev/null
fi
exec $java "-Xmx$KAFKA_HEAP" kafka.Kafka "$conf"
