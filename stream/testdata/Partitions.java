// Prints the partition that Apache Kafka's Java producer picks for each key read from stdin
// (one UTF-8 key per line) in a topic of args[0] partitions: BuiltInPartitioner.partitionForKey,
// i.e. toPositive(murmur2(key)) % n. gen_java_partitions.sh runs it with the Kafka 4.4.0 jars of
// scripts/test-services to produce java_partitions.tsv.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public class Partitions {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String key; (key = in.readLine()) != null; ) {
            System.out.println(BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), n));
        }
    }
}
