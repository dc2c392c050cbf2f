"""Tests of the sympy-derived formulas and the element names."""

import numpy as np
import pytest
import sympy

import rotconv_helpers as rh


def symbols(names):
    return [sympy.Symbol(name) for name in names.split()]


def test_gradient_formulas_match_worked_example():
    # The nine formulas as the worked example states them, typed here once as
    # the independent reference for the derivation.
    k11, k12, k21, k22 = symbols("k11 k12 k21 k22")
    d11, d12, d21, d22 = symbols("δc11 δc12 δc21 δc22")
    expected = {
        "P1": d11 * k11,
        "P2": d11 * k12 + d12 * k11,
        "P3": d12 * k12,
        "P4": d11 * k21 + d21 * k11,
        "P5": d11 * k22 + d12 * k21 + d21 * k12 + d22 * k11,
        "P6": d12 * k22 + d22 * k12,
        "P7": d21 * k21,
        "P8": d21 * k22 + d22 * k21,
        "P9": d22 * k22,
    }
    formulas = rh.gradient_formulas()
    assert list(formulas) == [f"P{n}" for n in range(1, 10)]
    for name, expression in expected.items():
        assert sympy.expand(formulas[name] - expression) == 0, name


def test_term_counts_corners_edges_centre():
    counts = [len(rh.gradient_terms(f)) for f in rh.gradient_formulas().values()]
    assert counts == [1, 2, 1, 2, 4, 2, 1, 2, 1]


@pytest.mark.parametrize("input_shape, kernel_shape", [((3, 3), (2, 2)), ((3, 4), (2, 3)),
                                                       ((4, 2), (2, 1))])
def test_full_conv_symbolic_equals_formulas(input_shape, kernel_shape):
    formulas = rh.gradient_formulas(input_shape, kernel_shape)
    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    kernel = rh.symbol_matrix("k", kernel_shape)
    delta_c = rh.symbol_matrix("δc", output_shape)
    full = rh.delta_p_full_conv_symbolic(delta_c, kernel)
    assert full.shape == input_shape
    for i in range(input_shape[0]):
        for j in range(input_shape[1]):
            name = rh.element_number(i, j, input_shape)
            assert sympy.simplify(full[i, j] - formulas[name]) == 0, name


def test_formulas_evaluate_to_numeric_gradient():
    formulas = rh.gradient_formulas()
    values = {}
    for prefix, array in (("k", rh.EXAMPLE_K), ("δc", rh.EXAMPLE_DELTA_C)):
        for (i, j), value in np.ndenumerate(array):
            values[sympy.Symbol(rh.element_name(prefix, i, j))] = value
    expected = rh.loss_gradient_numerical(rh.EXAMPLE_P, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    for (i, j), value in np.ndenumerate(expected):
        formula = formulas[rh.element_number(i, j, (3, 3))]
        assert float(formula.subs(values)) == pytest.approx(value, abs=1e-7)


def test_forward_formulas_evaluate_to_correlation():
    formulas = rh.forward_formulas()
    assert list(formulas) == ["c11", "c12", "c21", "c22"]
    values = {}
    for prefix, array in (("p", rh.EXAMPLE_P), ("k", rh.EXAMPLE_K)):
        for (i, j), value in np.ndenumerate(array):
            values[sympy.Symbol(rh.element_name(prefix, i, j))] = value
    c = rh.correlate_valid(rh.EXAMPLE_P, rh.EXAMPLE_K)
    for (i, j), value in np.ndenumerate(c):
        assert float(formulas[rh.element_name("c", i, j)].subs(values)) == value


def test_forward_formula_c12_terms():
    p12, p13, p22, p23 = symbols("p12 p13 p22 p23")
    k11, k12, k21, k22 = symbols("k11 k12 k21 k22")
    expected = p12 * k11 + p13 * k12 + p22 * k21 + p23 * k22
    assert sympy.expand(rh.forward_formulas()["c12"] - expected) == 0


def test_gradient_terms_sorted_pairs():
    assert rh.gradient_terms(rh.gradient_formulas()["P2"]) == [("δc11", "k12"), ("δc12", "k11")]


def test_gradient_terms_rejects_other_products():
    k11, d11 = symbols("k11 δc11")
    with pytest.raises(ValueError, match=r"is not a product δc \* k"):
        rh.gradient_terms(2 * k11 * d11)


def test_formula_latex_symbols_and_values():
    formula = rh.gradient_formulas()["P6"]
    assert rh.formula_latex(formula) == r"\delta c_{12}\, k_{22} + \delta c_{22}\, k_{12}"
    values = {"δc12": -1.0, "k22": 3.0, "δc22": 4.0, "k12": 2.5}
    assert rh.formula_latex(formula, values) == "(-1)(3) + (4)(2.5)"


def test_element_names_and_numbers():
    assert rh.element_name("p", 0, 0) == "p11"
    assert rh.element_name("p", 2, 1) == "p32"
    assert rh.element_name("p", 9, 0, shape=(12, 3)) == "p10_1"
    assert [rh.element_number(i, j, (3, 3)) for i in range(3) for j in range(3)] == [
        f"P{n}" for n in range(1, 10)]
    assert rh.element_number(1, 0, (3, 4)) == "P5"


def test_element_number_out_of_range():
    with pytest.raises(IndexError, match=r"index \[3, 0\] is outside the shape \(3, 3\)"):
        rh.element_number(3, 0, (3, 3))


def test_gradient_formulas_rejects_large_kernel():
    with pytest.raises(ValueError, match=r"kernel_shape \(4, 2\) is larger than input_shape"):
        rh.gradient_formulas((3, 3), (4, 2))
