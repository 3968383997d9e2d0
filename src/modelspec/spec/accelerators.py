"""GPU naming: the one place that turns what drivers, Kubernetes and people write into a type.

The validator (is ``a100-80g`` a known type?), the resolver (catalog keys) and the scanner
(``NVIDIA H100 80GB HBM3`` from NVML, ``NVIDIA-H100-80GB-HBM3`` from GPU Feature Discovery) all
call into this module, so a name means the same thing everywhere.

Rules (see ``shared/reference/gpu-names.md``):

* normalise first: dashes and underscores to spaces, upper-case, drop a leading NVIDIA/TESLA;
* match the most specific name first on word boundaries (GH200 before H200 before H100, L40S
  before L40 before L4, A10G before A10, A100 with an 80GB token before plain A100);
* never read memory from the name unless the name is all there is; a memory figure, when known,
  decides between variants (A100 40 GB vs 80 GB, V100 16 vs 32) with a tolerance.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

VENDORS = ("nvidia", "amd", "intel", "google", "aws")


@dataclass(frozen=True, slots=True)
class GpuName:
    """A normalised accelerator name."""

    type: str  # canonical spec type, e.g. "a100-80gb"
    vendor: str
    mig_profile: str | None = None  # "1g.5gb" for a MIG slice

    def __str__(self) -> str:
        return f"{self.type} (MIG {self.mig_profile})" if self.mig_profile else self.type


# canonical type -> vendor. Order matters for nothing here; matching order is in _PATTERNS.
KNOWN_TYPES: dict[str, str] = {
    "t4": "nvidia",
    "t4g": "nvidia",
    "v100-16gb": "nvidia",
    "v100-32gb": "nvidia",
    "a10": "nvidia",
    "a10g": "nvidia",
    "a30": "nvidia",
    "a40": "nvidia",
    "a100-40gb": "nvidia",
    "a100-80gb": "nvidia",
    "a16": "nvidia",
    "a2": "nvidia",
    "l4": "nvidia",
    "l40": "nvidia",
    "l40s": "nvidia",
    "l20": "nvidia",
    "h100": "nvidia",
    "h100-pcie": "nvidia",
    "h100-nvl": "nvidia",
    "h800": "nvidia",
    "h20": "nvidia",
    "h200": "nvidia",
    "gh200": "nvidia",
    "b100": "nvidia",
    "b200": "nvidia",
    "gb200": "nvidia",
    "rtx-4090": "nvidia",
    "rtx-6000-ada": "nvidia",
    "rtx-a6000": "nvidia",
    "mi210": "amd",
    "mi250": "amd",
    "mi250x": "amd",
    "mi300x": "amd",
    "mi325x": "amd",
    "gaudi2": "intel",
    "gaudi3": "intel",
    "tpu-v4": "google",
    "tpu-v5e": "google",
    "tpu-v5p": "google",
    "tpu-v6e": "google",
    "inferentia2": "aws",
    "trainium": "aws",
    "trainium2": "aws",
}

# Other spellings people write in specs, already lower-cased with '-' separators.
ALIASES: dict[str, str] = {
    "a100": "a100-80gb",
    "a100-sxm4-80gb": "a100-80gb",
    "a100-pcie-80gb": "a100-80gb",
    "a100-80gb-pcie": "a100-80gb",
    "a100-sxm4-40gb": "a100-40gb",
    "a100-pcie-40gb": "a100-40gb",
    "h100-sxm": "h100",
    "h100-sxm5": "h100",
    "h100-80gb": "h100",
    "h100-80gb-hbm3": "h100",
    "h100-sxm-80gb": "h100",
    "h200-141gb": "h200",
    "h100-pcie-80gb": "h100-pcie",
    "v100": "v100-16gb",
    "v100-sxm2-16gb": "v100-16gb",
    "v100-sxm2-32gb": "v100-32gb",
    "v100-pcie-16gb": "v100-16gb",
    "v100-pcie-32gb": "v100-32gb",
    "l40-s": "l40s",
    "tesla-t4": "t4",
    "instinct-mi300x": "mi300x",
}


def _norm_words(name: str) -> str:
    text = re.sub(r"[-_/]+", " ", name.strip()).upper()
    text = re.sub(r"\s+", " ", text)
    for prefix in ("NVIDIA ", "TESLA ", "AMD ", "INSTINCT "):
        while text.startswith(prefix):
            text = text[len(prefix) :]
    return text


# (regex on normalised words, canonical type). Most specific first.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        (r"\bGB200\b", "gb200"),
        (r"\bGH200\b", "gh200"),
        (r"\bH200\b", "h200"),
        (r"\bH100\b.*\bNVL\b", "h100-nvl"),
        (r"\bH100\b.*\bPCIE\b", "h100-pcie"),
        (r"\bH100\b", "h100"),
        (r"\bH800\b", "h800"),
        (r"\bH20\b", "h20"),
        (r"\bB200\b", "b200"),
        (r"\bB100\b", "b100"),
        (r"\bL40S\b", "l40s"),
        (r"\bL40\b", "l40"),
        (r"\bL20\b", "l20"),
        (r"\bL4\b", "l4"),
        (r"\bA100\b.*\b80 ?GB\b", "a100-80gb"),
        (r"\bA100\b.*\b40 ?GB\b", "a100-40gb"),
        (r"\bA100\b", "a100"),
        (r"\bA10G\b", "a10g"),
        (r"\bA10\b", "a10"),
        (r"\bA16\b", "a16"),
        (r"\bA30\b", "a30"),
        (r"\bA40\b", "a40"),
        (r"\bA2\b", "a2"),
        (r"\bT4G\b", "t4g"),
        (r"\bT4\b", "t4"),
        (r"\bV100\b.*\b32 ?GB\b", "v100-32gb"),
        (r"\bV100\b.*\b16 ?GB\b", "v100-16gb"),
        (r"\bV100\b", "v100"),
        (r"\bRTX 4090\b", "rtx-4090"),
        (r"\bRTX 6000 ADA\b", "rtx-6000-ada"),
        (r"\bRTX A6000\b", "rtx-a6000"),
        (r"\bMI325X\b", "mi325x"),
        (r"\bMI300X\b", "mi300x"),
        (r"\bMI250X\b", "mi250x"),
        (r"\bMI250\b", "mi250"),
        (r"\bMI210\b", "mi210"),
        (r"\bGAUDI ?3\b", "gaudi3"),
        (r"\bGAUDI ?2\b", "gaudi2"),
    ]
]

_MIG = re.compile(r"\bMIG (\d+G\.\d+GB)\b")


def _split_by_memory(base: str, memory_mib: float | None) -> str:
    """A100 and V100 come in two memory sizes; only the memory (not the name) can tell."""
    if base == "a100":
        if memory_mib is None:
            return "a100-80gb"
        return "a100-80gb" if memory_mib > 60 * 1024 else "a100-40gb"
    if base == "v100":
        if memory_mib is None:
            return "v100-16gb"
        return "v100-32gb" if memory_mib > 24 * 1024 else "v100-16gb"
    return base


def from_product_name(name: str, memory_mib: float | None = None) -> GpuName | None:
    """Map an NVML / GFD product name to a type; ``None`` when the name is not recognised.

    ``memory_mib`` is the device's total memory (NVML, or the GFD ``nvidia.com/gpu.memory``
    label); it only settles A100/V100 sizes. For a MIG slice the parent GPU's type is returned
    with the profile (the slice's memory says nothing about the parent).
    """
    words = _norm_words(name)
    mig = _MIG.search(words)
    mig_profile = mig.group(1).lower() if mig else None
    if mig:
        words = words[: mig.start()].strip()
        memory_mib = None  # a slice's memory is not the card's
    words = re.sub(r"\bSHARED\b", "", words).strip()
    for pattern, gpu_type in _PATTERNS:
        if pattern.search(words):
            if gpu_type in ("a100", "v100"):
                gpu_type = _split_by_memory(gpu_type, memory_mib)
            return GpuName(gpu_type, KNOWN_TYPES[gpu_type], mig_profile)
    return None


def canonical_type(spec_type: str) -> str | None:
    """The canonical type a spec's ``accelerator.type`` means, or ``None`` if unknown."""
    key = re.sub(r"[\s_]+", "-", spec_type.strip().lower())
    key = key.removeprefix("nvidia-")
    if key in KNOWN_TYPES:
        return key
    if key in ALIASES:
        return ALIASES[key]
    # A driver-style product name ("NVIDIA H100 80GB HBM3") is accepted as well; a short
    # spec-style word is not fuzzy-matched, so typos like `a100-80g` get a suggestion instead.
    looks_like_product = " " in spec_type.strip() or key.startswith(("tesla-", "nvidia"))
    found = from_product_name(spec_type) if looks_like_product else None
    if found is not None and not found.mig_profile:
        return found.type
    return None


def suggest_type(spec_type: str) -> str | None:
    """The closest known type for a typo such as ``a100-80g`` or ``h1OO``."""
    key = re.sub(r"[\s_]+", "-", spec_type.strip().lower())
    choices = list(KNOWN_TYPES) + list(ALIASES)
    match = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    if not match:
        return None
    return ALIASES.get(match[0], match[0])


def vendor_of(gpu_type: str) -> str | None:
    canon = canonical_type(gpu_type)
    return KNOWN_TYPES.get(canon) if canon else None


def same_type(declared: str, observed: str) -> bool:
    """True when two names denote the same accelerator type."""
    a, b = canonical_type(declared), canonical_type(observed)
    return a is not None and a == b


# -- Kubernetes node labels and cloud instance types ------------------------------------------------
# Sources: NVIDIA GPU Feature Discovery README; GKE "About GPUs"; Karpenter AWS/Azure labels; EKS
# Auto Mode; AMD device plugin labeller; Intel device plugin labels; AWS/GCP/Azure instance-type
# pages (see /work/shared/reference/k8s-serving-shapes.md §3–4).

# GKE accelerator label values whose name alone would be ambiguous
_GKE = {"nvidia-tesla-a100": "a100-40gb", "nvidia-a100-80gb": "a100-80gb", "nvidia-h100-mega-80gb": "h100"}

# instance type (lower-case; a trailing size wildcard written as prefix) -> (type, GPUs per node)
INSTANCE_TYPES: dict[str, tuple[str, int]] = {
    # AWS
    "p4d.24xlarge": ("a100-40gb", 8), "p4de.24xlarge": ("a100-80gb", 8),
    "p5.48xlarge": ("h100", 8), "p5.4xlarge": ("h100", 1), "p5e.48xlarge": ("h200", 8),
    "p5en.48xlarge": ("h200", 8), "p6-b200.48xlarge": ("b200", 8),
    "g5.xlarge": ("a10g", 1), "g5.2xlarge": ("a10g", 1), "g5.4xlarge": ("a10g", 1), "g5.8xlarge": ("a10g", 1),
    "g5.16xlarge": ("a10g", 1), "g5.12xlarge": ("a10g", 4), "g5.24xlarge": ("a10g", 4), "g5.48xlarge": ("a10g", 8),
    "g6.xlarge": ("l4", 1), "g6.2xlarge": ("l4", 1), "g6.4xlarge": ("l4", 1), "g6.8xlarge": ("l4", 1),
    "g6.16xlarge": ("l4", 1), "g6.12xlarge": ("l4", 4), "g6.24xlarge": ("l4", 4), "g6.48xlarge": ("l4", 8),
    "g6e.xlarge": ("l40s", 1), "g6e.2xlarge": ("l40s", 1), "g6e.4xlarge": ("l40s", 1), "g6e.8xlarge": ("l40s", 1),
    "g6e.16xlarge": ("l40s", 1), "g6e.12xlarge": ("l40s", 4), "g6e.24xlarge": ("l40s", 4),
    "g6e.48xlarge": ("l40s", 8),
    "g4dn.xlarge": ("t4", 1), "g4dn.2xlarge": ("t4", 1), "g4dn.4xlarge": ("t4", 1), "g4dn.8xlarge": ("t4", 1),
    "g4dn.16xlarge": ("t4", 1), "g4dn.12xlarge": ("t4", 4), "g4dn.metal": ("t4", 8),
    # GCP
    "a2-highgpu-1g": ("a100-40gb", 1), "a2-highgpu-2g": ("a100-40gb", 2), "a2-highgpu-4g": ("a100-40gb", 4),
    "a2-highgpu-8g": ("a100-40gb", 8), "a2-megagpu-16g": ("a100-40gb", 16),
    "a2-ultragpu-1g": ("a100-80gb", 1), "a2-ultragpu-2g": ("a100-80gb", 2), "a2-ultragpu-4g": ("a100-80gb", 4),
    "a2-ultragpu-8g": ("a100-80gb", 8), "a3-highgpu-8g": ("h100", 8), "a3-megagpu-8g": ("h100", 8),
    "a3-ultragpu-8g": ("h200", 8), "a4-highgpu-8g": ("b200", 8),
    "g2-standard-4": ("l4", 1), "g2-standard-8": ("l4", 1), "g2-standard-12": ("l4", 1), "g2-standard-16": ("l4", 1),
    "g2-standard-32": ("l4", 1), "g2-standard-24": ("l4", 2), "g2-standard-48": ("l4", 4), "g2-standard-96": ("l4", 8),
    # Azure
    "standard_nd96asr_v4": ("a100-40gb", 8), "standard_nd96asr_a100_v4": ("a100-40gb", 8),
    "standard_nd96amsr_a100_v4": ("a100-80gb", 8), "standard_nd96isr_h100_v5": ("h100", 8),
    "standard_nd96isr_h200_v5": ("h200", 8), "standard_nc24ads_a100_v4": ("a100-80gb", 1),
    "standard_nc48ads_a100_v4": ("a100-80gb", 2), "standard_nc96ads_a100_v4": ("a100-80gb", 4),
    "standard_nc40ads_h100_v5": ("h100-nvl", 1), "standard_nc80adis_h100_v5": ("h100-nvl", 2),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NodeGpu:
    """A node's GPU as its labels say, and which label said it."""

    gpu: GpuName | None  # None: a GPU label was found but its value is not recognised
    product: str  # the label's value
    label: str  # e.g. "nvidia.com/gpu.product", "cloud.google.com/gke-accelerator"
    count: int | None = None
    memory_mib: float | None = None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _mib(value: str | None) -> float | None:
    """``81920`` (MiB) or AMD's ``192G``."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([GM]?)i?B?\s*", str(value), re.IGNORECASE)
    if not m:
        return None
    number = float(m.group(1))
    return number * 1024 if m.group(2).upper() == "G" else number


# (label with the GPU name, label with the count, label with memory per GPU), most specific first
_NODE_LABELS = (
    ("nvidia.com/gpu.product", "nvidia.com/gpu.count", "nvidia.com/gpu.memory"),
    ("cloud.google.com/gke-accelerator", "cloud.google.com/gke-accelerator-count", None),
    ("amd.com/gpu.product-name", None, "amd.com/gpu.vram"),
    *(
        (f"{p}/instance-gpu-name", f"{p}/instance-gpu-count", f"{p}/instance-gpu-memory")
        for p in ("karpenter.k8s.aws", "eks.amazonaws.com")
    ),
    ("karpenter.azure.com/sku-gpu-name", "karpenter.azure.com/sku-gpu-count", None),
    ("gpu.intel.com/product", "gpu.intel.com/device.count", None),
    ("k8s.amazonaws.com/accelerator", None, None),
)  # fmt: skip
_INSTANCE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type", "nvidia.com/gpu.machine")


def from_node_labels(labels: dict[str, str]) -> NodeGpu | None:
    """The GPU a Kubernetes node carries, from whichever platform's labels it has; ``None`` when
    no GPU label and no known GPU instance type is present."""
    for name_label, count_label, memory_label in _NODE_LABELS:
        value = labels.get(name_label)
        if not value:
            continue
        memory = _mib(labels.get(memory_label)) if memory_label else None
        count = _int_or_none(labels.get(count_label)) if count_label else None
        gpu = _gpu_from_label(value, memory)
        return NodeGpu(gpu, value, name_label, count, memory)
    for label in _INSTANCE_LABELS:
        value = labels.get(label, "")
        known = INSTANCE_TYPES.get(value.lower())
        if known:
            return NodeGpu(GpuName(known[0], KNOWN_TYPES[known[0]]), value, label, known[1])
    return None


def _gpu_from_label(value: str, memory_mib: float | None) -> GpuName | None:
    if value.lower() in _GKE:
        gpu_type = _GKE[value.lower()]
        return GpuName(gpu_type, KNOWN_TYPES[gpu_type])
    found = from_product_name(value, memory_mib)
    if found is not None:
        return found
    canon = canonical_type(value)
    return GpuName(canon, KNOWN_TYPES[canon]) if canon else None
