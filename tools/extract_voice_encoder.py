"""One-off, offline: Resemblyzer's encoder parameters -> review/data/voice_encoder.npz (+ a test reference).

    pip install torch resemblyzer librosa   # into a scratch environment, never runtime dependencies
    python tools/extract_voice_encoder.py PATH/TO/resemblyzer/pretrained.pt

Keeps only the network (LSTM and projection) from the checkpoint, dropping the optimizer state and
the GE2E loss scalars. Also writes tests/data/voice_encoder_reference.npz: the embeddings torch's
nn.LSTM gives for a few partials of tests/data/audio/two_speakers_mono.wav, which
tests/test_voice_encoder.py compares with the numpy encoder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
KEEP = ("lstm.", "linear.")


def main() -> None:
    import torch
    from faster_whisper.audio import decode_audio

    from review import voice_encoder

    checkpoint = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
    state = {k: v.numpy().astype(np.float32) for k, v in checkpoint["model_state"].items() if k.startswith(KEEP)}
    np.savez_compressed(REPO / "review" / "data" / "voice_encoder.npz", **state)

    lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
    linear = torch.nn.Linear(256, 256)
    lstm.load_state_dict({k[5:]: torch.from_numpy(v) for k, v in state.items() if k.startswith("lstm.")})
    linear.load_state_dict({k[7:]: torch.from_numpy(v) for k, v in state.items() if k.startswith("linear.")})
    audio = voice_encoder.normalise_volume(decode_audio(str(REPO / "tests/data/audio/two_speakers_mono.wav")))
    mels = voice_encoder.mel_frames(audio)
    starts = np.array([100, 700, 1500, 2300])
    batch = np.stack([mels[s : s + voice_encoder.PARTIAL_FRAMES] for s in starts])
    with torch.no_grad():
        _, (hidden, _) = lstm(torch.from_numpy(batch))
        raw = torch.relu(linear(hidden[-1]))
        embeds = (raw / torch.norm(raw, dim=1, keepdim=True)).numpy()
    extra = {}
    try:  # librosa's own mel filters and frames, to check review.voice_encoder's front end against
        import librosa

        extra["librosa_filters"] = librosa.filters.mel(sr=16000, n_fft=400, n_mels=40).astype(np.float32)
        extra["librosa_frames"] = librosa.feature.melspectrogram(
            y=audio[:16000], sr=16000, n_fft=400, hop_length=160, n_mels=40).astype(np.float32).T
    except ImportError:
        print("librosa not installed: the reference has no librosa front end")
    np.savez_compressed(REPO / "tests" / "data" / "voice_encoder_reference.npz", starts=starts, mels=batch,
                        embeddings=embeds, **extra)
    print(f"{sum(v.size for v in state.values())} parameters written")


if __name__ == "__main__":
    main()
