namespace K8sServiceAccount.LocalApiServer.Api.Protobuf;

/// <summary>A protobuf wire-format error, worded as the Go (gogo-generated) decoders of Kubernetes word it.</summary>
public sealed class ProtoException(string message) : Exception(message)
{
    public static ProtoException UnexpectedEof() => new("unexpected EOF");

    public static ProtoException IntegerOverflow() => new("proto: integer overflow");

    public static ProtoException NegativeLength() => new("proto: negative length found during unmarshaling");
}

/// <summary>
/// Reads protobuf wire format (varints, length-delimited fields) from a byte span. Every length is checked
/// against what is left, so malformed input ends in a <see cref="ProtoException"/>, never an overrun or a loop.
/// </summary>
public ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int StartGroup = 3;
    public const int EndGroup = 4;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift >= 64) throw ProtoException.IntegerOverflow();
            if (_position >= _data.Length) throw ProtoException.UnexpectedEof();
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    /// <summary>Reads a tag; the Go decoders refuse field number 0 and a stray end-group marker.</summary>
    public (int Field, int WireType) ReadTag(string messageName)
    {
        ulong tag = ReadVarint();
        int wireType = (int)(tag & 7);
        // Go keeps the field number as int32(tag >> 3): large tags wrap to negative and are refused below.
        int field = unchecked((int)(tag >> 3));
        if (wireType == EndGroup) throw new ProtoException($"proto: {messageName}: wiretype end group for non-group");
        if (field <= 0) throw new ProtoException($"proto: {messageName}: illegal tag {field} (wire type {tag})");
        return (field, wireType);
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        // Go reads the length into a 64-bit int: negative from 2^63 on, otherwise past the end.
        if (length > long.MaxValue) throw ProtoException.NegativeLength();
        if (length > (ulong)(_data.Length - _position)) throw ProtoException.UnexpectedEof();
        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>Skips one field of an unknown number, groups included (as Go's skipGenerated, without recursion).</summary>
    public void Skip(int wireType)
    {
        int depth = 0;
        while (true)
        {
            switch (wireType)
            {
                case Varint:
                    ReadVarint();
                    break;
                case Fixed64:
                    Advance(8);
                    break;
                case LengthDelimited:
                    ReadLengthDelimited();
                    break;
                case StartGroup:
                    depth++;
                    break;
                case EndGroup:
                    if (depth == 0) throw new ProtoException("proto: unexpected end of group");
                    depth--;
                    break;
                case Fixed32:
                    Advance(4);
                    break;
                default:
                    throw new ProtoException($"proto: illegal wireType {wireType}");
            }
            if (depth == 0) return;
            wireType = (int)(ReadVarint() & 7);
        }
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _position) throw ProtoException.UnexpectedEof();
        _position += count;
    }
}
