"""Weight variants: bytes per parameter for each precision / quantization, with scale overhead.

Quantized checkpoints keep embeddings and the LM head in 16 bits (AWQ, GPTQ, FP8 and INT8
checkpoints made by the usual tools do), so a variant prices linear-layer and embedding
parameters separately. Group-wise int4 (AWQ/GPTQ, group 128) stores a 16-bit scale and a 4-bit
zero point per group: +2.5 bytes per 128 weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..spec.vocab import canonical_precision
from .architecture import Params

GROUP = 128
INT4_GROUP_OVERHEAD = 2.5 / GROUP  # bytes per weight: fp16 scale + packed 4-bit zero per group

# gguf block formats: bits per weight including block scales (llama.cpp's own figures)
GGUF_BITS = {
    "q2_k": 2.63,
    "q3_k_m": 3.91,
    "q4_0": 4.5,
    "q4_k_s": 4.58,
    "q4_k_m": 4.85,
    "q5_0": 5.5,
    "q5_k_m": 5.69,
    "q6_k": 6.56,
    "q8_0": 8.5,
}


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    precision: str  # canonical: bf16, fp16, fp8, int8, int4, ...
    quantization: str | None = None
    format: str = "safetensors"
    linear_bytes: float = 2.0  # per linear-layer parameter
    embedding_bytes: float = 2.0  # per embedding / lm-head parameter
    size_bytes: int | None = None  # declared total: used as-is when known
    uri: str | None = None
    declared: bool = False  # came from the spec's variants list

    def weight_bytes(self, params: Params) -> int:
        if self.size_bytes:
            return self.size_bytes
        emb = params.embedding + params.lm_head
        return int(params.linear * self.linear_bytes + emb * self.embedding_bytes + params.other * 2)

    @property
    def compute_precision(self) -> str:
        """What the matmuls run in: weight-only int4 dequantizes to 16 bits."""
        return "fp16" if self.precision in ("int4", "fp4") and self.quantization != "nvfp4" else self.precision

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "precision": self.precision,
            "quantization": self.quantization,
            "format": self.format,
        }


STANDARD: tuple[Variant, ...] = (
    Variant("bf16", "bf16"),
    Variant("fp16", "fp16"),
    Variant("fp8", "fp8", "fp8", linear_bytes=1.0),
    Variant("int8-w8a8", "int8", "int8", linear_bytes=1.0 + 2 / 4096),
    Variant("awq-int4", "int4", "awq", linear_bytes=0.5 + INT4_GROUP_OVERHEAD),
    Variant("gptq-int4", "int4", "gptq", linear_bytes=0.5 + INT4_GROUP_OVERHEAD),
)


def from_spec(entry: dict[str, Any]) -> Variant:
    """A spec ``identity.model.variants[]`` entry as a Variant (bytes from its precision/quantization)."""
    quant = str(entry.get("quantization")).lower() if entry.get("quantization") else None
    fmt = str(entry.get("format") or "safetensors")
    precision = canonical_precision(str(entry.get("precision") or "")) or ""
    linear = 2.0
    if quant in GGUF_BITS:
        linear = GGUF_BITS[quant] / 8
        precision = precision or ("int8" if quant == "q8_0" else "int4")
    elif quant in ("awq", "gptq", "awq_marlin", "gptq_marlin") or precision == "int4":
        linear, precision = 0.5 + INT4_GROUP_OVERHEAD, "int4"
    elif precision.startswith("fp8") or quant == "fp8":
        linear, precision = 1.0, "fp8"
    elif precision == "int8" or quant in ("int8", "smoothquant", "bitsandbytes"):
        linear, precision = 1.0, "int8"
    elif precision in ("fp4", "nvfp4", "mxfp4") or quant in ("nvfp4", "mxfp4"):
        linear, precision = 0.5 + 1 / 16, "fp4"
    elif precision == "fp32":
        linear = 4.0
    precision = precision or "bf16"
    size = entry.get("sizeBytes")
    return Variant(
        str(entry.get("name")),
        precision,
        quant,
        fmt,
        linear,
        4.0 if precision == "fp32" else 2.0,
        int(size) if isinstance(size, int) and size > 0 else None,
        entry.get("uri"),
        declared=True,
    )


def matches_precision(variant: Variant, wanted: str) -> bool:
    """``identity.model.precision`` as a hard constraint (fp8-e4m3 counts as fp8)."""
    canon = canonical_precision(wanted)
    if canon is None or canon == "auto":
        return True
    if canon.startswith("fp8"):
        return variant.precision.startswith("fp8")
    return variant.precision == canon
