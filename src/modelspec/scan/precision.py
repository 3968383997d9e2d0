"""The precision a server's launch flags imply (``--dtype`` and ``--quantization``)."""

from __future__ import annotations

from .facts import Fact

_DTYPES = {
    "bfloat16": "bf16",
    "bf16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "fp16": "fp16",
    "float32": "fp32",
    "float": "fp32",
}


def precision_of(dtype: Fact, quantization: Fact) -> str | None:
    """The precision the args imply (``None`` when ``auto`` leaves it to the checkpoint)."""
    quant = str(quantization.value).lower() if quantization.known else ""
    if quant in ("fp8", "modelopt", "fbgemm_fp8"):
        return "fp8"
    if quant in ("awq", "gptq", "awq_marlin", "gptq_marlin", "marlin", "bitsandbytes-nf4", "gguf", "eetq"):
        return "int4" if quant != "eetq" else "int8"
    if quant in ("bitsandbytes", "bitsandbytes-fp4"):
        return "int8" if quant == "bitsandbytes" else "int4"
    if quant in ("int8", "smoothquant", "w8a8"):
        return "int8"
    value = str(dtype.value).lower() if dtype.known else "auto"
    return _DTYPES.get(value)
