using System.Buffers;
using System.Text;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Reads a watch stream line by line (one JSON event per line, UTF-8), refusing a line longer than a limit. A
/// StreamReader's ReadLine keeps whatever arrives until a line end, so a server sending one endless line would take
/// all the memory there is; here a line over the limit throws <see cref="WatchLineTooLongException"/> as soon as the
/// limit is passed, without reading the rest.
/// </summary>
internal sealed class WatchLineReader
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly Stream _stream;
    private readonly long _maxLineBytes;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly ArrayBufferWriter<byte> _line = new();
    private int _start;
    private int _end;
    private bool _started;
    private bool _ended;

    internal WatchLineReader(Stream stream, long maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineBytes);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>
    /// The next line without its line end ("\n" or "\r\n"), or null at the end of the stream. A last line without a
    /// line end is returned too. Invalid UTF-8 becomes U+FFFD, as with a StreamReader; a leading byte order mark is skipped.
    /// </summary>
    internal async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        _line.ResetWrittenCount();
        while (true)
        {
            if (_start == _end)
            {
                if (_ended || !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    _ended = true;
                    return _line.WrittenCount == 0 ? null : Decode(_line.WrittenSpan);
                }
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            var take = newline < 0 ? available : available[..newline];
            if (_line.WrittenCount + take.Length > _maxLineBytes)
            {
                // Stop at the limit (the bytes before "\n", a "\r" included): never buffer more than that.
                throw new WatchLineTooLongException(_maxLineBytes);
            }

            _line.Write(take);
            if (newline < 0)
            {
                _start = _end;
                continue;
            }

            _start += newline + 1;
            return Decode(_line.WrittenSpan);
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        if (!_started && _end > 0)
        {
            _started = true;
            if (_end >= Utf8Bom.Length && _buffer.AsSpan(0, Utf8Bom.Length).SequenceEqual(Utf8Bom))
            {
                _start = Utf8Bom.Length;
            }
        }

        return _end > 0;
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return Encoding.UTF8.GetString(line);
    }
}

/// <summary>A line of a watch stream is longer than the limit the connection allows for one event.</summary>
internal sealed class WatchLineTooLongException(long maxLineBytes)
    : Exception($"a line is longer than {maxLineBytes} bytes")
{
    internal long MaxLineBytes { get; } = maxLineBytes;
}
