"""GPU naming against the driver and GFD names in shared/reference/gpu-names.md."""

from __future__ import annotations

import pytest

from modelspec.spec.accelerators import canonical_type, from_product_name, suggest_type


@pytest.mark.parametrize(
    ("name", "mib", "expected"),
    [
        ("NVIDIA A100-SXM4-80GB", 81920, "a100-80gb"),
        ("A100-SXM4-40GB", 40536, "a100-40gb"),
        ("NVIDIA A100 80GB PCIe", 81920, "a100-80gb"),
        ("NVIDIA A100-PCIE-40GB", 40536, "a100-40gb"),
        ("NVIDIA H100 80GB HBM3", 81559, "h100"),
        ("NVIDIA H100 PCIe", 81559, "h100-pcie"),
        ("NVIDIA H100 NVL", 95830, "h100-nvl"),
        ("NVIDIA H200", 143771, "h200"),
        ("NVIDIA GH200 480GB", 97871, "gh200"),
        ("NVIDIA B200", None, "b200"),
        ("NVIDIA L40S", 46068, "l40s"),
        ("NVIDIA L40", 46068, "l40"),
        ("NVIDIA L4", 23034, "l4"),
        ("NVIDIA A10G", 23028, "a10g"),
        ("NVIDIA A10", 22731, "a10"),
        ("NVIDIA A40", 46068, "a40"),
        ("Tesla T4", 15360, "t4"),
        ("Tesla V100-SXM2-16GB", None, "v100-16gb"),
        ("Tesla V100-SXM2-32GB", None, "v100-32gb"),
        ("Tesla V100-PCIE-16GB", None, "v100-16gb"),
        ("NVIDIA-A100-SXM4-80GB", 81920, "a100-80gb"),  # GFD label form
        ("NVIDIA-H100-80GB-HBM3-SHARED", 81559, "h100"),
    ],
)
def test_product_names(name: str, mib: int | None, expected: str) -> None:
    got = from_product_name(name, mib)
    assert got is not None and got.type == expected and got.mig_profile is None


def test_mig_slice_keeps_parent_type_and_profile() -> None:
    for name in ("NVIDIA A100-SXM4-40GB MIG 1g.5gb", "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"):
        got = from_product_name(name, 4864)
        assert got is not None and (got.type, got.mig_profile) == ("a100-40gb", "1g.5gb")


def test_memory_never_read_from_the_name_when_known() -> None:
    # an A100 without a size in its name: only the memory decides
    assert from_product_name("NVIDIA A100", 40536).type == "a100-40gb"  # type: ignore[union-attr]
    assert from_product_name("NVIDIA A100", 81920).type == "a100-80gb"  # type: ignore[union-attr]


def test_unknown_name() -> None:
    assert from_product_name("Matrox G200eW") is None


def test_spec_types_and_typos() -> None:
    assert canonical_type("H100") == "h100"
    assert canonical_type("h100-sxm") == "h100"
    assert canonical_type("NVIDIA H100 80GB HBM3") == "h100"
    assert canonical_type("a100-80g") is None
    assert suggest_type("a100-80g") == "a100-80gb"
    assert suggest_type("l40") != "l4"
