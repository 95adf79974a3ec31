"""Test and benchmark support that is not part of the runtime package (not in the wheel).

`dialogue`: scripted dialogues -> transcripts; `synth`: the same dialogues spoken with espeak-ng as
calls with an exact reference; `wer`: word error rate. Tests, benchmarks and tools import these from
the repository root (tests/conftest.py and each benchmark put the root on sys.path).
"""
