"""nclib.gradcheck: numerical gradients of functions with known gradients, rel_error's definition, the sparse
check telling a right gradient from a wrong one, and x restored after every perturbation."""
import numpy as np
import pytest

from nclib import gradcheck
from nclib.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, grad_check_sparse, rel_error


# ---------------------------------------------------------------------------------------------------
# eval_numerical_gradient

@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (1, 1)])
def test_numerical_gradient_of_a_quadratic(shape):
    rng = np.random.default_rng(0)
    a, b, x = rng.uniform(0.5, 2.0, shape), rng.standard_normal(shape), rng.standard_normal(shape)
    grad = eval_numerical_gradient(lambda v: np.sum(a * v * v + b * v), x)
    assert grad.shape == shape
    # centred differences are exact on a quadratic, up to rounding
    np.testing.assert_allclose(grad, 2 * a * x + b, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((4, 4))
    A = M @ M.T + np.eye(4)
    x = rng.standard_normal(4)
    grad = eval_numerical_gradient(lambda v: 0.5 * v @ A @ v, x)
    assert rel_error(grad, A @ x) < 1e-8


def test_numerical_gradient_step_size():
    x = np.array([1.0, 2.0])
    # for f = sum(v^3), centred differences give 3 v^2 + h^2 exactly: the error reveals h
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x, h=1e-2)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 1e-4, rtol=1e-9)


def test_numerical_gradient_verbose_prints_one_line_per_entry(capsys):
    eval_numerical_gradient(lambda v: np.sum(v), np.zeros((2, 3)), verbose=True)
    assert len(capsys.readouterr().out.strip().splitlines()) == 6
    eval_numerical_gradient(lambda v: np.sum(v), np.zeros((2, 3)))
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------------------------------------------
# eval_numerical_gradient_array

@pytest.mark.parametrize("N, D, M", [(3, 4, 2), (1, 5, 3), (4, 1, 1)])
def test_numerical_gradient_array_of_a_linear_map(N, D, M):
    rng = np.random.default_rng(2)
    W, x, df = rng.standard_normal((D, M)), rng.standard_normal((N, D)), rng.standard_normal((N, M))
    dx = eval_numerical_gradient_array(lambda v: v @ W, x, df)
    dW = eval_numerical_gradient_array(lambda v: x @ v, W.copy(), df)
    assert rel_error(dx, df @ W.T) < 1e-8
    assert rel_error(dW, x.T @ df) < 1e-8


def test_numerical_gradient_array_of_an_elementwise_map():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    df = np.array([[1.0, 2.0], [-1.0, 3.0]])
    dx = eval_numerical_gradient_array(np.sin, x, df)
    np.testing.assert_allclose(dx, df * np.cos(x), rtol=1e-9)


def test_numerical_gradient_array_copies_outputs_that_alias_x():
    """A function returning x itself (a view) must not fool the difference: identity has gradient df."""
    x, df = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, -2.0])
    np.testing.assert_allclose(eval_numerical_gradient_array(lambda v: v, x, df), df, rtol=1e-9)


# ---------------------------------------------------------------------------------------------------
# rel_error

def test_rel_error_known_values():
    assert rel_error(1.0, 3.0) == 0.5
    assert rel_error(1.0, -1.0) == 1.0
    assert rel_error(np.array([1.0, 1.0]), np.array([1.0, 3.0])) == 0.5  # the largest entry
    assert rel_error(np.array([[2.0, 0.0]]), np.array([[2.0, 0.0]])) == 0.0


def test_rel_error_is_zero_for_equal_inputs():
    x = np.random.default_rng(3).standard_normal((4, 5))
    assert rel_error(x, x.copy()) == 0.0


def test_rel_error_floors_the_denominator_for_tiny_numbers():
    # |x - y| / max(eps, |x| + |y|): without the floor, 1e-12 vs 0 would count as 100% wrong
    assert rel_error(1e-12, 0.0) == pytest.approx(1e-4, rel=1e-12)
    assert rel_error(1e-12, 0.0, eps=1e-12) == pytest.approx(1.0, rel=1e-12)
    assert rel_error(0.0, 0.0) == 0.0


def test_rel_error_is_symmetric():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    assert rel_error(x, y) == rel_error(y, x) > 0


def test_rel_error_of_empty_arrays_is_zero():
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        rel_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError):
        rel_error(np.zeros(3), np.zeros((3, 1)))


# ---------------------------------------------------------------------------------------------------
# grad_check_sparse

def sine_problem(seed=5, shape=(6, 7)):
    x = np.random.default_rng(seed).standard_normal(shape)
    return (lambda v: float(np.sum(np.sin(v)))), x, np.cos(x)


def test_grad_check_sparse_accepts_a_correct_gradient():
    f, x, grad = sine_problem()
    assert grad_check_sparse(f, x, grad, num_checks=15, verbose=False) < 1e-8


@pytest.mark.parametrize("wrong, at_least", [
    (lambda g: 1.1 * g, 0.04),       # 0.1 g / 2.1 g = 0.048
    (lambda g: -g, 0.99),
    (lambda g: np.zeros_like(g), 0.99),
])
def test_grad_check_sparse_rejects_a_wrong_gradient(wrong, at_least):
    f, x, grad = sine_problem()
    assert grad_check_sparse(f, x, wrong(grad), num_checks=15, verbose=False) > at_least


def test_grad_check_sparse_samples_with_its_seed():
    f, x, grad = sine_problem()
    wrong = grad.copy()
    wrong[2, 3] += 1.0  # one wrong entry: found only if that coordinate is sampled
    results = [grad_check_sparse(f, x, wrong, num_checks=5, seed=seed, verbose=False) for seed in range(40)]
    assert results[:10] == [grad_check_sparse(f, x, wrong, num_checks=5, seed=s, verbose=False) for s in range(10)]
    assert min(results) < 1e-8 < 0.1 < max(results)


def test_grad_check_sparse_verbose_prints_each_check(capsys):
    f, x, grad = sine_problem()
    grad_check_sparse(f, x, grad, num_checks=4)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all("relative error" in line for line in lines)


def test_grad_check_sparse_rejects_a_gradient_of_another_shape():
    f, x, grad = sine_problem()
    with pytest.raises(ValueError, match="shape"):
        grad_check_sparse(f, x, grad.T, verbose=False)


# ---------------------------------------------------------------------------------------------------
# all three: x perturbed one coordinate at a time by h, then restored bit for bit; x must be a float array

def perturbation_recorder(x0, scalar=True):
    seen = []

    def f(v):
        changed = np.flatnonzero(v != x0)
        seen.append((changed.tolist(), np.abs(v - x0).max()))
        return float(np.sum(v ** 2)) if scalar else v ** 2
    return f, seen


CHECKERS = {
    "eval_numerical_gradient": lambda f, x: eval_numerical_gradient(f, x, h=1e-3),
    "eval_numerical_gradient_array": lambda f, x: eval_numerical_gradient_array(f, x, np.ones_like(x), h=1e-3),
    "grad_check_sparse": lambda f, x: grad_check_sparse(f, x, 2 * x, num_checks=6, h=1e-3, verbose=False),
}


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_x_is_perturbed_one_entry_at_a_time_and_restored(name):
    # entries much smaller than h: for them (x + h) - h != x, so undoing a step by arithmetic would show
    x = np.random.default_rng(6).standard_normal((3, 4)) * 1e-6
    x0 = x.copy()
    f, seen = perturbation_recorder(x0, scalar=name != "eval_numerical_gradient_array")
    CHECKERS[name](f, x)
    np.testing.assert_array_equal(x, x0)
    assert len(seen) == (12 if name != "grad_check_sparse" else 6) * 2
    for changed, size in seen:
        assert len(changed) == 1
        assert size == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.parametrize("name", sorted(CHECKERS))
@pytest.mark.parametrize("bad_x", [np.array([1, 2, 3]), [1.0, 2.0, 3.0]])
def test_x_must_be_a_float_array(name, bad_x):
    with pytest.raises(TypeError, match="x"):
        CHECKERS[name](lambda v: 0.0, bad_x)


def test_gradcheck_is_a_given_module_without_answers():
    """gradcheck ships to students: it must not import the reference solutions."""
    source = open(gradcheck.__file__).read()
    for reference in ("layers", "losses", "models", "grading"):
        assert f"nclib.{reference}" not in source and f"import {reference}" not in source
