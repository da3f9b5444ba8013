"""The single entry point of the hidden tests: `check(name, student_fn)`.

Each graded function has a spec (engine.Spec): the nclib reference and a run that calls both on seeded
inputs of several shapes (edge cases included) and compares the outputs. A failed check raises
AssertionError naming the function, the case (by its input shapes), the output and how far off it is; it
never shows an expected value. An exception raised by the student's function becomes such an
AssertionError too, except NotImplementedError (the unanswered stub), which propagates.

engine.py holds the comparison; every other module is named after an assignment (a folder of source/) and
holds the SPECS of the functions its notebook grades. A new assignment adds its module here, with a
`SPECS = {name: Spec(reference, run)}` dict, and names it in ASSIGNMENT_MODULES below.
"""
from nclib.grading import autoencoders, batchnorm_backward, conv_backward, fc_net, rnn_bptt, two_layer_net, vae_kl

ASSIGNMENT_MODULES = (two_layer_net, fc_net, conv_backward, batchnorm_backward, vae_kl, rnn_bptt, autoencoders)


def _merged_specs(modules):
    """The modules' SPECS in one dict; ValueError if two modules grade a function of the same name."""
    specs = {}
    for module in modules:
        for name, spec in module.SPECS.items():
            if name in specs:
                raise ValueError(f"two grading specs named {name!r}: one in {module.__name__} and an earlier one")
            specs[name] = spec
    return specs


SPECS = _merged_specs(ASSIGNMENT_MODULES)


def check(name, student_fn):
    """Grade student_fn against the reference called `name` (a key of SPECS). Raises AssertionError."""
    if name not in SPECS:
        raise KeyError(f"no grading spec named {name!r}; known: {sorted(SPECS)}")
    if not callable(student_fn):
        raise AssertionError(f"{name}: expected a function, got {type(student_fn).__name__}")
    spec = SPECS[name]
    spec.run(name, student_fn, spec.reference)
    print(f"{name}: all hidden cases passed")
