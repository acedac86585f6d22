"""Atomic writes: whole files, usual permissions, nothing left behind."""
import os

import pytest

from mmposenas.utils.io import atomic_write_text


def test_atomic_write_replaces_whole_with_umask_permissions(tmp_path):
    path = tmp_path / 'g.json'
    old = os.umask(0o022)
    try:
        atomic_write_text(str(path), 'first')
        atomic_write_text(str(path), 'second')
    finally:
        os.umask(old)
    assert path.read_text() == 'second'
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert os.listdir(tmp_path) == ['g.json']


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / 'g.json'
    atomic_write_text(str(path), 'good')

    def interrupted(src, dst):
        raise KeyboardInterrupt('killed during the rename')

    monkeypatch.setattr(os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(str(path), 'half')
    assert path.read_text() == 'good'
    assert os.listdir(tmp_path) == ['g.json']  # the temporary file is gone
