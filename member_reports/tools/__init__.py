from . import read_ahead, xlsx_stream
