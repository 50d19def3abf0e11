"""Run the plugin's tests against its source folder (an installed plugin needs nothing here)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
