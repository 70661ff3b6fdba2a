package dev.ddp4j.tensor.io;

import dev.ddp4j.tensor.DType;

/** The safetensors dtype codes of the ddp4j dtypes; the format's other codes (I32, U8, F8_*...) are not read. */
final class SafeTensorsDTypes {
  /** The codes ddp4j reads and writes, for error messages. */
  static final String SUPPORTED = "F32, F64, I64, BF16, F16, BOOL";

  private SafeTensorsDTypes() {}

  /** The dtype of a safetensors code, or null for a code ddp4j has no dtype for. */
  static DType parse(String code) {
    return switch (code) {
      case "F32" -> DType.FLOAT32;
      case "F64" -> DType.FLOAT64;
      case "I64" -> DType.INT64;
      case "BF16" -> DType.BFLOAT16;
      case "F16" -> DType.FLOAT16;
      case "BOOL" -> DType.BOOL;
      default -> null;
    };
  }

  /** The safetensors code of a dtype. */
  static String code(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> "F32";
      case FLOAT64 -> "F64";
      case INT64 -> "I64";
      case BFLOAT16 -> "BF16";
      case FLOAT16 -> "F16";
      case BOOL -> "BOOL";
    };
  }
}
