"""The policy engine: the school's Online Safety Policy as one validated file.

Plain Python; never imports Django.
"""

from harbour.policy.load import PolicyError, Problem, load_policy, load_policy_text
from harbour.policy.model import Level, Policy

__all__ = ["Level", "Policy", "PolicyError", "Problem", "load_policy", "load_policy_text"]
