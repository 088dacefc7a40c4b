# Copyright (c) mmpfb contributors. All rights reserved.
import math
from fractions import Fraction

import numpy as np
import pytest

from mmpfb.utils.arg_checks import (check_bool, check_choice, check_int,
                                    check_number, check_positive)

NAN = math.nan
INF = math.inf


def assert_named(call, name, value):
    """``call()`` raises a ValueError naming ``name`` and ``repr(value)``."""
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    assert message.startswith(f'{name} must be '), message
    assert repr(value) in message, message


@pytest.mark.parametrize('value, low, high', [
    (0, 0, 1),
    (0.5, 0, 1),
    (0.999, 0, 1),
    (-2, -3, INF),
    (1e300, 0, INF),
    (10**400, 0, INF),
    (np.float32(0.25), 0, 1),
    (Fraction(1, 3), 0, 1),
])
def test_number_in_range_passes(value, low, high):
    check_number('x', value, low, high)


@pytest.mark.parametrize(
    'value, low, high',
    [
        ('0.5', 0, 1),  # wrong type
        (None, 0, 1),
        ([0.5], 0, 1),
        (True, 0, 1),  # bool is no number
        (False, 0, 1),
        (NAN, 0, 1),
        (INF, 0, INF),  # infinity is never valid
        (-0.1, 0, 1),  # out of range
        (1, 0, 1),
        (1.5, 0, 1),
    ])
def test_bad_number_is_named(value, low, high):
    assert_named(lambda: check_number('ratio', value, low, high), 'ratio',
                 value)


def test_number_message_says_the_range():
    with pytest.raises(
            ValueError, match=r'^p must be in \[0, 1\), but got '
            r'1\.5$'):
        check_number('p', 1.5, 0, 1)
    with pytest.raises(
            ValueError, match='^p must be a number >= 0, but '
            'got -1$'):
        check_number('p', -1, 0)


@pytest.mark.parametrize('value, high, include_high', [
    (1e-12, INF, False),
    (3, INF, False),
    (0.5, 1, False),
    (1, 1, True),
    (1.0, 1, True),
    (np.float64(0.5), 1, True),
])
def test_positive_in_range_passes(value, high, include_high):
    check_positive('x', value, high, include_high)


@pytest.mark.parametrize(
    'value, high, include_high',
    [
        ('1', INF, False),  # wrong type
        (None, 1, True),
        (True, 1, True),  # bool is no number
        (NAN, 1, True),
        (INF, INF, False),  # infinity is never valid
        (INF, INF, True),
        (0, 1, True),  # out of range
        (0.0, INF, False),
        (-1, INF, False),
        (1, 1, False),
        (1.5, 1, True),
    ])
def test_bad_positive_is_named(value, high, include_high):
    assert_named(lambda: check_positive('delta', value, high, include_high),
                 'delta', value)


@pytest.mark.parametrize('high, include_high, bounds', [
    (INF, False, 'a number > 0'),
    (1, False, 'in (0, 1)'),
    (1, True, 'in (0, 1]'),
])
def test_positive_message_says_the_range(high, include_high, bounds):
    with pytest.raises(ValueError) as err:
        check_positive('eps', 0, high, include_high)
    assert str(err.value) == f'eps must be {bounds}, but got 0'


@pytest.mark.parametrize('value, low, optional', [
    (0, 0, False),
    (7, 1, False),
    (-5, -5, False),
    (10**30, 1, False),
    (None, 1, True),
    (3, 1, True),
])
def test_int_in_range_passes(value, low, optional):
    check_int('n', value, low, optional)


@pytest.mark.parametrize(
    'value, low, optional',
    [
        (1.0, 0, False),  # wrong type
        (2.5, 0, True),
        ('3', 0, False),
        (np.float64(3), 0, False),
        (True, 0, False),  # bool is no int
        (False, 0, True),
        (NAN, 0, False),
        (INF, 0, True),
        (None, 1, False),  # None where not optional
        (0, 1, False),  # out of range
        (-1, 0, True),
    ])
def test_bad_int_is_named(value, low, optional):
    assert_named(lambda: check_int('num', value, low, optional), 'num', value)


def test_int_message_says_whether_none_is_valid():
    with pytest.raises(
            ValueError, match='^n must be an int >= 1, but got '
            '0$'):
        check_int('n', 0, 1)
    with pytest.raises(
            ValueError, match='^n must be None or an int >= 1, '
            'but got 0$'):
        check_int('n', 0, 1, optional=True)


@pytest.mark.parametrize('value', [True, False])
def test_bool_passes(value):
    check_bool('flag', value)


@pytest.mark.parametrize('value', [0, 1, 1.0, 'True', None, NAN, INF])
def test_bad_bool_is_named(value):
    assert_named(lambda: check_bool('flag', value), 'flag', value)


@pytest.mark.parametrize('value, choices', [
    ('a', ('a', 'b')),
    (None, (None, 'epoch')),
    ('b', ['a', 'b']),
    ('k', dict(k=1)),
])
def test_choice_passes(value, choices):
    check_choice('mode', value, choices)


@pytest.mark.parametrize(
    'value',
    [
        'c',
        'A',  # case matters
        None,
        1,
        True,
        NAN,
        INF,
    ])
def test_bad_choice_is_named(value):
    assert_named(lambda: check_choice('mode', value, ('a', 'b')), 'mode',
                 value)


def test_choice_message_lists_the_choices():
    with pytest.raises(ValueError) as err:
        check_choice('mode', 'c', ['a', 'b'])
    assert str(err.value) == "mode must be one of ('a', 'b'), but got 'c'"
