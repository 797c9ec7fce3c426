"""The order lifecycle's layout: entity services write their own rows and never call one another in a circle;
only orders.workflows spans them."""

import ast
from pathlib import Path

from django.conf import settings

SERVICE_MODULES = sorted(
    [str(path.relative_to(settings.BASE_DIR)) for path in Path(settings.BASE_DIR).glob("*/services.py")]
    + ["catalog/stock.py", "orders/workflows.py"]
    + ["delivery/proofs.py", "delivery/routes.py", "delivery/rounds.py", "delivery/sync.py"]
    + ["billing/ledger.py", "billing/documents.py", "billing/statements.py"]
)


def _module(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _imports(path: str) -> set[str]:
    tree = ast.parse((Path(settings.BASE_DIR) / path).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _service_graph() -> dict[str, set[str]]:
    modules = {_module(path) for path in SERVICE_MODULES}
    return {_module(path): _imports(path) & modules for path in SERVICE_MODULES}


def test_no_two_service_modules_import_each_other_even_through_others():
    graph = _service_graph()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    circles = sorted(module for module in graph if reaches(module, module, {module}))
    assert circles == []


# Above the workflows: the rider's queued updates are replayed through them, step by step.
ABOVE_WORKFLOWS = ["delivery.sync"]


def test_no_service_calls_back_into_the_workflow_module_which_spans_the_entity_services():
    graph = _service_graph()
    importers_of_workflows = sorted(module for module, imported in graph.items() if "orders.workflows" in imported)
    assert importers_of_workflows == ABOVE_WORKFLOWS
    assert {"orders.services", "delivery.services", "payments.services", "catalog.stock"} <= graph["orders.workflows"]
