package dev.ddp4j.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checked-in PTX of the kernels, as classpath resources
 * {@code /dev/ddp4j/gpu/ptx/<target>/<module>.ptx}, built by {@code gpu/src/main/cuda/build-ptx.sh}.
 * Stateless; any thread.
 */
final class Ptx {
  private Ptx() {}

  /** PTX for Hopper and newer (H100, H200; the driver JIT-compiles it for later GPUs too). */
  static final String COMPUTE_90 = "compute_90";
  /** PTX for Ampere and Ada (A100, RTX 30xx/40xx, L4, L40). */
  static final String COMPUTE_80 = "compute_80";

  private static final String RESOURCE_ROOT = "/dev/ddp4j/gpu/ptx/";
  private static final Pattern ENTRY = Pattern.compile("^\\s*(?:\\.visible\\s+)?\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(",
      Pattern.MULTILINE);
  private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+\\w+(\\[\\d+\\])?");

  /**
   * The PTX target to load on a GPU of compute capability {@code major.minor}: {@code compute_90} from
   * 9.0 on, {@code compute_80} for 8.x; older GPUs lack the BF16 and TF32 tensor-core instructions.
   */
  static String targetFor(int major, int minor) {
    if (major >= 9) {
      return COMPUTE_90;
    }
    if (major == 8) {
      return COMPUTE_80;
    }
    throw new IllegalArgumentException("compute capability " + major + "." + minor
        + " is not supported: the ddp4j kernels need 8.0 or newer (TF32 and BF16 tensor cores)");
  }

  static String resourcePath(String target, String module) {
    return RESOURCE_ROOT + target + "/" + module + ".ptx";
  }

  /** The PTX text of {@code module} for {@code target}; fails if the resource is missing. */
  static String read(String target, String module) {
    String path = resourcePath(target, module);
    try (InputStream in = Ptx.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("PTX resource " + path + " is missing from the classpath"
            + " (regenerate it with gpu/src/main/cuda/build-ptx.sh)");
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }

  /** The names of the kernels ({@code .entry} directives) a PTX text defines, in order. */
  static Set<String> entries(String ptx) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = ENTRY.matcher(ptx);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * Each kernel's parameter types, in order, as PTX spells them: {@code u64} (pointers and
   * {@code long long}), {@code u32}, {@code f32}, or {@code b8[<bytes>]} for a struct passed by value.
   */
  static Map<String, List<String>> signatures(String ptx) {
    Map<String, List<String>> signatures = new LinkedHashMap<>();
    Matcher entry = ENTRY.matcher(ptx);
    while (entry.find()) {
      int close = ptx.indexOf(')', entry.end());
      List<String> types = new ArrayList<>();
      Matcher param = PARAM.matcher(ptx.substring(entry.end(), close));
      while (param.find()) {
        types.add(param.group(1) + (param.group(2) == null ? "" : param.group(2)));
      }
      signatures.put(entry.group(1), List.copyOf(types));
    }
    return signatures;
  }

  /** The image {@code cuModuleLoadData} expects: the PTX bytes followed by a NUL terminator. */
  static byte[] image(String ptx) {
    byte[] text = ptx.getBytes(StandardCharsets.US_ASCII);
    byte[] image = new byte[text.length + 1];
    System.arraycopy(text, 0, image, 0, text.length);
    return image;
  }
}
