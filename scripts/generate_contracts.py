"""Regenerate the gRPC stubs in generated/ from the .proto files in contracts/: messages and services, each with
its typed stub (.pyi, by mypy-protobuf's protoc plugins), so that servicers and clients type-check."""

import re
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
PACKAGE = "generated"
# mypy-protobuf's protoc plugins, installed beside this interpreter (the project's virtual environment).
PLUGINS = Path(sys.executable).parent


def generate(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    protos = sorted(p.name for p in CONTRACTS.glob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{CONTRACTS}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={PLUGINS / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={PLUGINS / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for module in [*out_dir.glob("*_pb2*.py"), *out_dir.glob("*_pb2*.pyi")]:
        # protoc emits top-level imports between stubs; make them package-relative.
        text = re.sub(r"^import (\w+_pb2) as", rf"from {PACKAGE} import \1 as", module.read_text(), flags=re.M)
        module.write_text(text)
    (out_dir / "__init__.py").write_text('"""Code generated from contracts/ by `make gen`; do not edit."""\n')


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / PACKAGE)
