/**
 * Multi-JVM integration tests ({@code *IT} under {@code src/test}, run by Failsafe in
 * {@code mvn verify}) and, later, benchmarks against recorded peer figures.
 *
 * <p>Each IT starts rank JVMs with {@code ProcessBuilder} on 127.0.0.1 ({@code RankProcesses}, through
 * the supervisor's {@code ChildJvm}), joins them into a ring with {@code RingNode}, and kills them when
 * the test ends, however it ends; their output goes to {@code target/it-logs/<test>/}. Tests run on
 * JUnit's thread; one thread per child copies its output.
 */
package dev.ddp4j.it;
