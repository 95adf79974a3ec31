"""Bounded YAML reading for files people hand us (methodology files, playbooks converted to YAML).

A broken or hostile file must be refused in milliseconds, never hang `methodology validate` /
`import` or the app's Settings page: a 377-byte alias bomb ("billion laughs") stands for ~10^9
nodes, and 100,000 nested brackets crash libyaml's composer. The limits are documented in
methodology/README.md.
"""

from __future__ import annotations

import yaml

from .errors import MethodologyError

# Bounds on a methodology file or playbook, so a broken or hostile file is refused in milliseconds
# instead of hanging validate/import and the app's Settings page (a 377-byte YAML alias bomb
# expands to ~10^9 nodes; 100,000 nested brackets crash libyaml). Real files are ~20 KB, depth ~6,
# ~2,000 nodes. The schema's own limits (criteria, levels, keywords) are in review.schema.
MAX_METHODOLOGY_BYTES = 1_000_000
MAX_YAML_DEPTH = 20
MAX_YAML_NODES = 100_000  # counted with every alias (*name) expanded


def too_big(size: int, label: str) -> MethodologyError:
    return MethodologyError(
        f"{label}: the file is {size:,} bytes, over the {MAX_METHODOLOGY_BYTES:,}-byte limit for a "
        f"methodology or playbook; split it into several methodologies"
    )


def bounded_text(raw: bytes, label: str, loader: type = yaml.SafeLoader) -> str:
    """The file as text, once its size and nesting depth are known to be within bounds.

    raw: the file bytes. label: the file name for messages. loader: the YAML loader class (libyaml's
    CSafeLoader when available). Depth is read from the event stream (libyaml's parser keeps an explicit stack), because
    building nodes for 100,000 nested brackets crashes the C composer.
    """
    if len(raw) > MAX_METHODOLOGY_BYTES:
        raise too_big(len(raw), label)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MethodologyError(f"{label}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise MethodologyError(
                        f"{label}:{event.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep "
                        f"(a methodology needs about 6); fix the brackets or indentation there"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass  # the full parse reports it with its line and column
    return text


def check_nodes(root: yaml.Node, label: str) -> None:
    """Refuse duplicate keys and alias bombs, visiting each node once (aliases share nodes).

    YAML silently keeps the last of two equal keys; in a hand-edited file that hides a mistake.
    An alias (*name) re-uses a node, so a 377-byte file can stand for 10^9 nodes: the size with
    aliases expanded is summed per node (memoised), never by walking every expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes when expanded, height)

    def visit(node: yaml.Node, path: tuple, depth: int) -> tuple[int, int]:
        known = sizes.get(id(node))
        if known is None:
            if depth > MAX_YAML_DEPTH:
                raise MethodologyError(
                    f"{label}:{node.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep "
                    f"through aliases (*name); write the values out instead"
                )
            sizes[id(node)] = (MAX_YAML_NODES + 1, MAX_YAML_DEPTH + 1)  # a node inside itself: too big
            children: list[tuple[yaml.Node, tuple]] = []
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        if key.value in seen:
                            raise MethodologyError(
                                f"{label}:{key.start_mark.line + 1}: {field_path(path) or 'top level'}: key "
                                f"'{key.value}' appears twice; keep only one"
                            )
                        seen.add(key.value)
                    children += [(key, path), (value, (*path, key.value if isinstance(key, yaml.ScalarNode) else "?"))]
            elif isinstance(node, yaml.SequenceNode):
                children = [(item, (*path, i)) for i, item in enumerate(node.value)]
            total, height = 1, 0
            for child, child_path in children:
                size, child_height = visit(child, child_path, depth + 1)
                total, height = total + size, max(height, child_height + 1)
                if total > MAX_YAML_NODES:
                    break
            known = sizes[id(node)] = (total, height)
        if known[0] > MAX_YAML_NODES or depth + known[1] > MAX_YAML_DEPTH:
            raise MethodologyError(
                f"{label}:{node.start_mark.line + 1}: the file expands to more than {MAX_YAML_NODES:,} values "
                f"or {MAX_YAML_DEPTH} levels (through aliases such as *name); write the values out instead"
            )
        return known

    visit(root, (), 0)


def field_path(loc: tuple) -> str:
    """("criteria", 3, "weigth") -> "criteria[3].weigth"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

