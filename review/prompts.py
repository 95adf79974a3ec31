"""Prompt files: `prompts/<name>.yaml` with {id, version, description, system, user}.

Prompts are data with a version and a content hash, so every scorecard can say exactly which
prompt produced it. The system and user texts are rendered as a LangChain `ChatPromptTemplate`
(f-string fields `{name}`, `{{` for a brace); rendering with a variable missing raises a
ConfigError naming it instead of sending a prompt with a blank hole in it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ConfigError
from .hashing import sha256_bytes
from .resources import prompts_dir

PROMPT_DIR = prompts_dir()


class _PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    version: str
    description: str = ""
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: `sha256` is the hash of the file's bytes (recorded in provenance)."""

    id: str
    version: str
    sha256: str
    system: str
    user: str
    path: str = ""

    def variable_names(self) -> set[str]:
        """Names of the `{variables}` in the system and user templates."""
        names: set[str] = set()
        for template in (self.system, self.user):
            for _, field_name, _, _ in string.Formatter().parse(template):
                if field_name:
                    names.add(field_name)
        return names

    def render(self, **variables: object) -> tuple[str, str]:
        """(system, user) with every template variable filled.

        variables: one value per template variable; a missing one raises ConfigError, extra ones are an
            error too (a typo in a variable name would otherwise leave a variable unfilled).
        """
        needed = self.variable_names()
        missing = sorted(needed - variables.keys())
        if missing:
            raise ConfigError(
                f"prompt {self.path or self.id}: no value for template variable(s) {', '.join(missing)}; "
                "pass them to render()"
            )
        unknown = sorted(variables.keys() - needed)
        if unknown:
            raise ConfigError(
                f"prompt {self.path or self.id}: variable(s) {', '.join(unknown)} are not template variables "
                "in the prompt; check the names"
            )
        system, user = self.template().format_messages(**variables)
        return str(system.content), str(user.content)

    def template(self):
        """The prompt as a LangChain ChatPromptTemplate: a system and a user (human) message."""
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)],
                                                template_format="f-string")


def load_prompt(name: str, prompt_dir: str | Path | None = None) -> Prompt:
    """Load `prompts/<name>.yaml`.

    name: the prompt file's stem, e.g. "score_criterion".
    prompt_dir: folder to read from; default the repository's prompts/.
    """
    path = Path(prompt_dir or PROMPT_DIR) / f"{name}.yaml"
    try:
        raw = path.read_bytes()
    except OSError:
        raise ConfigError(f"prompt file {path} is missing; reinstall callreview or restore the file") from None
    try:
        data = _PromptFile(**(yaml.safe_load(raw) or {}))
    except (yaml.YAMLError, TypeError) as exc:
        raise ConfigError(f"prompt file {path} is not a YAML mapping ({type(exc).__name__}); fix its syntax") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"prompt file {path}: field '{field_name}': {first['msg']}") from None
    prompt = Prompt(
        id=data.id,
        version=data.version,
        sha256=sha256_bytes(raw),
        system=data.system,
        user=data.user,
        path=str(path),
    )
    try:
        prompt.variable_names()
    except ValueError as exc:
        raise ConfigError(f"prompt file {path}: malformed template variable ({exc}); use {{name}} and {{{{ for a brace") from None
    return prompt
