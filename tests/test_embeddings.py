"""The embedding seam: the offline MiniLM ONNX function, the OpenAI option (stubbed client),
the sentence-transformers option and bad settings."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from review.embeddings import (
    MINILM_DIMENSIONS,
    TOKENIZER_PATH,
    embedding_identity,
    make_embedding_function,
)
from review.errors import ConfigError, LLMError
from review.settings import load_settings


@pytest.fixture(scope="module")
def minilm():
    return make_embedding_function(load_settings(env={}))


def test_minilm_gives_384d_unit_vectors(minilm):
    vectors = minilm(["Who signs off on a purchase of this size?", "ok", "x " * 400])
    assert len(vectors) == 3
    for v in vectors:
        assert np.asarray(v).shape == (MINILM_DIMENSIONS,)
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4)


def test_minilm_paraphrases_are_closer_than_unrelated_pairs(minilm):
    texts = [
        "Who else would be involved in approving this purchase?",
        "Apart from you, who has to sign off on buying something like this?",
        "Did you catch the football game last night?",
        "How old are you?",
        "What is your age?",
        "The invoice is keyed into the ERP by hand every Friday.",
    ]
    v = np.asarray(minilm(texts))
    sim = v @ v.T
    assert sim[0, 1] > 0.5 > sim[0, 2]
    assert sim[3, 4] > 0.6
    assert sim[0, 1] > max(sim[0, 2], sim[0, 5], sim[1, 2])
    assert sim[3, 4] > max(sim[3, 0], sim[3, 5])


def test_minilm_batching_and_order_do_not_change_vectors(minilm):
    texts = [
        "short",
        "a much longer sentence about renewals and procurement steps",
        "mid length text",
    ]
    together = np.asarray(minilm(texts))
    one_by_one = np.asarray([minilm([t])[0] for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_minilm_is_a_chromadb_embedding_function(minilm):
    import chromadb
    from chromadb.api.types import EmbeddingFunction

    assert isinstance(minilm, EmbeddingFunction)
    assert minilm.name() == "callreview"
    config = minilm.get_config()
    assert config == {"embedding": "minilm-onnx", "model": "all-MiniLM-L6-v2-onnx-int8"}
    rebuilt = type(minilm).build_from_config(config)
    assert embedding_identity(rebuilt) == embedding_identity(minilm)
    # chromadb itself can embed documents and queries with it
    collection = chromadb.EphemeralClient().get_or_create_collection(
        "ef-protocol", embedding_function=minilm
    )
    collection.add(ids=["a", "b"], documents=["the CFO approves the budget", "the weather is nice"])
    got = collection.query(query_texts=["who signs off on the money"], n_results=1)
    assert got["ids"] == [["a"]]


def test_tokenizer_ships_with_its_license_notice():
    assert TOKENIZER_PATH.is_file()
    notice = (TOKENIZER_PATH.parent / "NOTICE-minilm.txt").read_text()
    assert "all-MiniLM-L6-v2" in notice and "Apache" in notice


def test_importing_the_module_loads_no_heavy_library():
    code = (
        "import sys, review.embeddings, review.index, review.retrieve; "
        "print(sorted(m for m in ('chromadb', 'onnxruntime', 'tokenizers', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class StubEmbeddings:
    """Stands in for `openai.OpenAI().embeddings`: records requests, answers with fixed vectors."""

    def __init__(self, fail: Exception | None = None):
        self.requests: list[dict] = []
        self.fail = fail

    def create(self, model, input):
        self.requests.append({"model": model, "input": list(input)})
        if self.fail:
            raise self.fail
        # out of order on purpose: the client must sort by index
        data = [
            SimpleNamespace(index=i, embedding=[float(len(text)), 1.0, 0.0])
            for i, text in enumerate(input)
        ]
        return SimpleNamespace(data=list(reversed(data)))


def _openai_settings(**overrides):
    values = {
        "embedding": "openai",
        "embedding_model": "text-embedding-3-small",
        "llm_api_key": "sk-test",
    }
    values.update(overrides)
    return load_settings(env={}, **values)


def test_openai_option_with_stubbed_client():
    stub = StubEmbeddings()
    ef = make_embedding_function(_openai_settings(), openai_client=SimpleNamespace(embeddings=stub))
    vectors = np.asarray(ef(["abc", "abcdef"]))
    assert stub.requests == [{"model": "text-embedding-3-small", "input": ["abc", "abcdef"]}]
    assert vectors.shape == (2, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[1][0] > vectors[0][0]  # order follows the input, not the response
    assert "sk-test" not in str(ef.get_config())


def test_openai_option_batches_requests():
    stub = StubEmbeddings()
    ef = make_embedding_function(_openai_settings(), openai_client=SimpleNamespace(embeddings=stub))
    ef.encoder.batch_size = 2
    assert len(ef(["a", "b", "c", "d", "e"])) == 5
    assert [len(r["input"]) for r in stub.requests] == [2, 2, 1]


def test_openai_failure_is_one_line_llm_error():
    stub = StubEmbeddings(fail=RuntimeError("connection refused\nmore detail"))
    ef = make_embedding_function(
        _openai_settings(llm_base_url="http://localhost:11434/v1"),
        openai_client=SimpleNamespace(embeddings=stub),
    )
    with pytest.raises(LLMError) as err:
        ef(["hello"])
    message = str(err.value)
    assert (
        "\n" not in message
        and "localhost:11434" in message
        and "CALLREVIEW_EMBEDDING_MODEL" in message
    )


def test_openai_without_key_or_endpoint_is_config_error():
    with pytest.raises(ConfigError, match="CALLREVIEW_LLM_API_KEY"):
        make_embedding_function(_openai_settings(llm_api_key=""))


@pytest.mark.parametrize("bad", ["minilm", "bert", "", "sentence-transformers:"])
def test_unknown_embedding_setting_is_config_error(bad):
    with pytest.raises(ConfigError) as err:
        make_embedding_function(load_settings(env={}, embedding=bad))
    assert "\n" not in str(err.value)
    if bad != "sentence-transformers:":
        assert "minilm-onnx" in str(err.value) and "openai" in str(err.value)


def test_sentence_transformers_without_the_extra_is_config_error():
    try:
        import sentence_transformers  # noqa: F401

        pytest.skip("sentence-transformers is installed here")
    except ImportError:
        pass
    with pytest.raises(ConfigError, match="callreview\\[sentence-transformers\\]"):
        make_embedding_function(
            load_settings(env={}, embedding="sentence-transformers:all-MiniLM-L6-v2")
        )


def test_identity_differs_between_models():
    stub = SimpleNamespace(embeddings=StubEmbeddings())
    a = make_embedding_function(_openai_settings(), openai_client=stub)
    b = make_embedding_function(
        _openai_settings(embedding_model="text-embedding-3-large"), openai_client=stub
    )
    minilm = make_embedding_function(load_settings(env={}))
    assert len({embedding_identity(a), embedding_identity(b), embedding_identity(minilm)}) == 3


PRIVATE = ("Mail jo.lee@acme.co.uk, call 4155550177 or +44 20 7946 0958; card 4111.1111.1111.1111, "
           "IBAN GB82 WEST 1234 5698 7654 32. Alex Rivera here, at 350 Mission Street on 2026-12-14.")


def _sent(stub) -> str:
    return " ".join(text for request in stub.requests for text in request["input"])


def test_a_remote_embedding_receives_redacted_text_only():
    """Issue 12 item 1: what is embedded off the machine is redacted exactly as an LLM prompt."""
    stub = StubEmbeddings()
    ef = make_embedding_function(_openai_settings(), openai_client=SimpleNamespace(embeddings=stub))
    ef([PRIVATE])
    sent = _sent(stub)
    for secret in ("jo.lee@acme.co.uk", "4155550177", "7946 0958", "4111.1111", "GB82 WEST"):
        assert secret not in sent
    assert "[EMAIL]" in sent and "[PHONE]" in sent and "[CARD]" in sent and "[IBAN]" in sent
    assert "2026-12-14" in sent and "Alex Rivera" in sent  # dates kept; names only with redact_names


def test_remote_embedding_masks_the_speakers_names_with_redact_names(tmp_path):
    from review.index import CallIndex
    from review.types import Segment, Transcript, TranscriptSource

    stub = StubEmbeddings()
    settings = _openai_settings(redact_names=True, home=str(tmp_path))
    ef = make_embedding_function(settings, openai_client=SimpleNamespace(embeddings=stub))
    ef.for_speakers(["Alex Rivera", "customer"])([PRIVATE])
    sent = _sent(stub)
    assert "Alex" not in sent and "Rivera" not in sent and "Mission Street" not in sent and "[NAME]" in sent
    # through the index: the call's speaker labels reach the redaction
    stub.requests.clear()
    segment = Segment(id=0, speaker="Alex Rivera", role="rep", start=0.0, end=3.0, text=PRIVATE)
    index = CallIndex(settings, embedding_function=ef)
    index.index_transcript("call-1", Transcript(segments=[segment], source=TranscriptSource(file="c.json", format="json")))
    sent = _sent(stub)
    assert sent and "Rivera" not in sent and "jo.lee@" not in sent and "[NAME]" in sent


def test_redaction_off_or_local_embeddings_send_text_unchanged():
    stub = StubEmbeddings()
    ef = make_embedding_function(_openai_settings(redact=False), openai_client=SimpleNamespace(embeddings=stub))
    ef([PRIVATE])
    assert _sent(stub) == PRIVATE
