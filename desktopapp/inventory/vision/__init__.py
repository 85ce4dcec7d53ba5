"""An optional vision-language model, reached over any OpenAI-compatible endpoint (Ollama,
LM Studio, llama.cpp's server, vLLM, a cloud service), merged with the bundled detector.

    config = VisionConfig.from_env()          # PHOTOLOT_ANALYZER_URL / _MODEL / _KEY
    analyzer = VisionAnalyzer(detector_analyzer, ChatClient(config), catalogue, config)
"""

from desktopapp.inventory.vision.analyzer import MODEL_BAD_ANSWER, MODEL_UNAVAILABLE, VisionAnalyzer
from desktopapp.inventory.vision.client import ChatClient
from desktopapp.inventory.vision.config import VisionConfig

__all__ = ["MODEL_BAD_ANSWER", "MODEL_UNAVAILABLE", "ChatClient", "VisionAnalyzer", "VisionConfig"]
