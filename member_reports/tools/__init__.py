from . import xlsx_stream
