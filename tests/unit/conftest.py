"""Make ``ansible_collections.multiregion.client_vpn`` importable when pytest runs from a checkout.

The collection is reached through the same ``.ansible/collections`` link that
ansible.cfg uses; ``ansible_collections`` is a namespace package, so the
bundled amazon.aws in site-packages stays importable beside it.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / ".ansible" / "collections"
LINK = ROOT / "ansible_collections" / "multiregion" / "client_vpn"

if not LINK.exists() and (REPO / "galaxy.yml").exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(Path("..", "..", "..", ".."), target_is_directory=True)
if LINK.exists() and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
