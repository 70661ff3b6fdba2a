package dev.ddp4j.examples;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The examples' command-line options: {@code --name value} pairs, each name one of those the
 * example declares, so that a typo fails instead of being ignored (Python's {@code argparse} in a
 * few lines).
 */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  private Args(String[] args, List<String> known) {
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option '" + name + "'; expected one of " + known);
      }
      if (i + 1 == args.length) {
        throw new IllegalArgumentException("option " + name + " needs a value");
      }
      values.put(name, args[++i]);
    }
  }

  /** Parses {@code args}, accepting only the option names in {@code known} (each like {@code --epochs}). */
  static Args parse(String[] args, String... known) {
    return new Args(args, List.of(known));
  }

  int getInt(String name, int defaultValue) {
    String v = values.get(name);
    try {
      return v == null ? defaultValue : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + name + " needs an integer, got '" + v + "'", e);
    }
  }

  double getDouble(String name, double defaultValue) {
    String v = values.get(name);
    try {
      return v == null ? defaultValue : Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + name + " needs a number, got '" + v + "'", e);
    }
  }

  String getString(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  Path getPath(String name, Path defaultValue) {
    String v = values.get(name);
    return v == null ? defaultValue : Path.of(v);
  }
}
