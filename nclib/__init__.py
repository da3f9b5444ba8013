"""nclib: the reference implementation behind the course's graders.

Two kinds of module. Given modules are the helpers students may import; they hold no exercise answer
and ship in the student bundle (`python -m coursetools bundle`). Reference modules are the solutions
and the grader behind the hidden tests; they never leave this repository.
"""
GIVEN_MODULES = ("gradcheck", "data", "init", "runtime", "vis", "solver", "fast_layers", "input_checks")
REFERENCE_MODULES = ("layers", "losses", "conv", "batchnorm", "vae", "rnn", "autoencoders", "models", "optim",
                     "grading")
