"""The command palette offers every action of the current screen (SPEC §7: nothing is
reachable only by keys), under the same names the footer and the help screen use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen


@dataclass(frozen=True)
class ScreenAction:
    key: str
    binding: Binding
    node: DOMNode

    @property
    def title(self) -> str:
        return self.binding.description


def screen_actions(screen: Screen) -> Iterator[ScreenAction]:
    """The enabled, described actions of ``screen``'s focus chain, each action once.

    A widget's hidden bindings (a table's cursor keys) are left out; the screen's and the
    app's are all listed, hidden or not.
    """
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not active.enabled or not binding.description or binding.action in seen:
            continue
        if not binding.show and not isinstance(active.node, Screen | App):
            continue
        if "command_palette" in binding.action:
            continue
        seen.add(binding.action)
        yield ScreenAction(screen.app.get_key_display(binding) or key, binding, active.node)


class ScreenActions(Provider):
    """Palette entries for the actions of the screen the palette was opened over."""

    async def discover(self) -> Hits:
        for action in screen_actions(self.screen):
            yield DiscoveryHit(action.title, partial(self._run, action), help=f"key: {action.key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in screen_actions(self.screen):
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(score, matcher.highlight(action.title), partial(self._run, action),
                          help=f"key: {action.key}")

    async def _run(self, action: ScreenAction) -> None:
        await self.app.run_action(action.binding.action, action.node)
